package dev.relayworker.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompletionGeneratorTest {

  private final ObjectMapper mapper = new ObjectMapper();
  private final TokenCounter tokens = new TokenCounter();
  private final CompletionGenerator generator = new CompletionGenerator(mapper, tokens);

  @Test
  void everyWordIsOneToken() {
    for (String word : CompletionGenerator.WORDS) {
      assertThat(tokens.count(word)).as("tokens in '%s'", word).isEqualTo(1);
    }
  }

  @Test
  void usageIsHonest() throws Exception {
    JsonNode answer = complete("{\"model\":\"m\",\"prompt\":\"Write a haiku about Kafka\",\"max_tokens\":30}");

    JsonNode choice = answer.path("choices").get(0);
    int completionTokens = tokens.count(choice.path("text").asText());
    assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(tokens.count("Write a haiku about Kafka"));
    assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(completionTokens);
    assertThat(completionTokens).isLessThanOrEqualTo(30);
    assertThat(answer.at("/usage/total_tokens").asInt())
        .isEqualTo(answer.at("/usage/prompt_tokens").asInt() + completionTokens);
  }

  @Test
  void stopsAtMaxTokensWithFinishReasonLength() throws Exception {
    List<String> reasons = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      JsonNode choice = complete("{\"model\":\"m\",\"prompt\":\"p" + i + "\",\"max_tokens\":20}").path("choices").get(0);
      int length = tokens.count(choice.path("text").asText());
      String reason = choice.path("finish_reason").asText();
      reasons.add(reason);
      assertThat(length).isLessThanOrEqualTo(20);
      if (reason.equals("length")) {
        assertThat(length).isEqualTo(20);
      } else {
        assertThat(length).isLessThan(20);
      }
    }
    assertThat(reasons).contains("length", "stop");
  }

  @Test
  void minTokensAsksForLongAnswersUpToMaxTokens() throws Exception {
    for (int i = 0; i < 10; i++) {
      JsonNode answer = complete("{\"model\":\"m\",\"prompt\":\"p" + i + "\",\"min_tokens\":200,\"max_tokens\":200}");
      assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(200);
      assertThat(tokens.count(answer.at("/choices/0/text").asText())).isEqualTo(200);
    }
    assertThat(complete("{\"model\":\"m\",\"prompt\":\"p\",\"min_tokens\":300,\"max_tokens\":100}")
        .at("/usage/completion_tokens").asInt()).isEqualTo(100);
    assertThatThrownBy(() -> complete("{\"model\":\"m\",\"prompt\":\"p\",\"min_tokens\":-1}"))
        .hasMessageContaining("min_tokens");
  }

  @Test
  void textDependsOnlyOnPromptAndSeed() throws Exception {
    String same = "{\"model\":\"m\",\"prompt\":\"hello\",\"seed\":7,\"max_tokens\":50}";
    String otherSeed = "{\"model\":\"m\",\"prompt\":\"hello\",\"seed\":8,\"max_tokens\":50}";

    assertThat(text(complete(same))).isEqualTo(text(complete(same))).isNotEqualTo(text(complete(otherSeed)));
  }

  @Test
  void arrayPromptsWithNGetIndexPromptTimesNPlusK() throws Exception {
    JsonNode answer = complete("{\"model\":\"m\",\"prompt\":[\"a\",\"b\",\"c\"],\"n\":2}");

    List<Integer> indexes = new ArrayList<>();
    answer.path("choices").forEach(choice -> indexes.add(choice.path("index").asInt()));
    assertThat(indexes).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(3);
  }

  @Test
  void tokenIdPromptsCountTheirIds() throws Exception {
    assertThat(complete("{\"model\":\"m\",\"prompt\":[1,2,3,4]}").at("/usage/prompt_tokens").asInt()).isEqualTo(4);
    assertThat(complete("{\"model\":\"m\",\"prompt\":[[1,2],[3]]}").at("/usage/prompt_tokens").asInt()).isEqualTo(3);
  }

  @Test
  void refusesBadFieldsNamingThem() {
    assertThatThrownBy(() -> complete("{\"model\":\"m\",\"prompt\":\"x\",\"n\":0}"))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("n must be");
    assertThatThrownBy(() -> complete("{\"model\":\"m\",\"prompt\":\"x\",\"max_tokens\":\"ten\"}"))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("max_tokens");
    assertThatThrownBy(() -> complete("{\"model\":\"m\",\"prompt\":{\"a\":1}}"))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("prompt must be");
    assertThatThrownBy(() -> complete("{\"model\":\"m\"}"))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("prompt is required");
  }

  private JsonNode complete(String request) throws Exception {
    return generator.complete(mapper.readTree(request), "cmpl-1", 0);
  }

  private static String text(JsonNode answer) {
    return answer.path("choices").get(0).path("text").asText();
  }
}
