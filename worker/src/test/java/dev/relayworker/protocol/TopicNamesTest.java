package dev.relayworker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicNamesTest {

  @Test
  void acceptsWhatKafkaAccepts() {
    assertThat(TopicNames.problem("completions.replies.team-a_1")).isEmpty();
    assertThat(TopicNames.problem("x".repeat(TopicNames.MAX_LENGTH))).isEmpty();
  }

  @Test
  void refusesWhatKafkaRefusesSayingWhy() {
    assertThat(TopicNames.problem("")).contains("it is empty");
    assertThat(TopicNames.problem("..")).contains("'..' is reserved");
    assertThat(TopicNames.problem("x".repeat(TopicNames.MAX_LENGTH + 1))).get().asString().contains("250 characters");
    assertThat(TopicNames.problem("replies/other")).get().asString().contains("other than ASCII letters");
    assertThat(TopicNames.problem("réplies")).isPresent();
    assertThat(TopicNames.problem("replies two")).isPresent();
  }
}
