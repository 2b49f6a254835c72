package dev.relayworker.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.relay.RelayApi;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AnswerFactsTest {

  @Test
  void readsTheIdAndEachChoicesFinishReasonPastTheText() {
    AnswerFacts facts = facts("{\"choices\":[{\"text\":\"a \\\"quoted\\\" {x}\",\"finish_reason\":\"stop\","
        + "\"logprobs\":{\"tokens\":[\"a\"]}},{\"finish_reason\":null},{\"finish_reason\":\"length\"}],"
        + "\"id\":\"cmpl-1\"}", RelayApi.COMPLETIONS);
    assertThat(facts.id()).isEqualTo("cmpl-1");
    assertThat(facts.finishReasons()).containsExactly("stop", "length");
  }

  @Test
  void boundsWhatItKeeps() {
    String many = "{\"id\":\"" + "i".repeat(500) + "\",\"choices\":["
        + ("{\"finish_reason\":\"" + "r".repeat(500) + "\"},").repeat(100) + "{}]}";
    AnswerFacts facts = facts(many, RelayApi.CHAT_COMPLETIONS);
    assertThat(facts.id()).hasSize(AnswerFacts.MAX_CHARS);
    assertThat(facts.finishReasons()).hasSize(AnswerFacts.MAX_REASONS)
        .allSatisfy(reason -> assertThat(reason).hasSize(AnswerFacts.MAX_CHARS));
  }

  @Test
  void aBodyThatIsNotAnAnswerYieldsNothingOrWhatCameBeforeTheBreak() {
    assertThat(facts("", RelayApi.CHAT_COMPLETIONS).finishReasons()).isEmpty();
    assertThat(facts("[1,2]", RelayApi.CHAT_COMPLETIONS).id()).isNull();
    assertThat(facts("not json", RelayApi.CHAT_COMPLETIONS).id()).isNull();
    assertThat(facts("{\"choices\":[1,{\"finish_reason\":\"stop\"}]}", RelayApi.CHAT_COMPLETIONS).finishReasons())
        .isEmpty();
    AnswerFacts cut = facts("{\"id\":\"x\",\"choices\":[{\"finish_reason\":\"stop\"},{\"finish_re", RelayApi.COMPLETIONS);
    assertThat(cut.id()).isEqualTo("x");
    assertThat(cut.finishReasons()).containsExactly("stop");
    // stop_reason is a Messages field; elsewhere it is ignored.
    assertThat(facts("{\"stop_reason\":\"end_turn\"}", RelayApi.CHAT_COMPLETIONS).finishReasons()).isEmpty();
  }

  private static AnswerFacts facts(String body, RelayApi api) {
    return AnswerFacts.of(body.getBytes(StandardCharsets.UTF_8), api);
  }
}
