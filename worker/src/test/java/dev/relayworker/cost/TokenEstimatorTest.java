package dev.relayworker.cost;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenEstimatorTest {

  private final TokenEstimator estimator = new TokenEstimator();
  private final ObjectMapper mapper = new ObjectMapper();

  @ParameterizedTest
  @CsvSource(nullValues = "-", value = {
      "gpt-4o-mini, O200K_BASE", "gpt-4.1, O200K_BASE", "o3-mini, O200K_BASE", "gpt-4-turbo, CL100K_BASE",
      "gpt-3.5-turbo-instruct, CL100K_BASE", "davinci-002, CL100K_BASE", "text-davinci-003, P50K_BASE",
      "openai/gpt-4o, O200K_BASE", "claude-3-haiku, -", "gemini-1.5-pro, -"})
  void picksTheModelsEncoding(String model, EncodingType expected) {
    assertThat(TokenEstimator.encodingOf(model).orElse(null)).isEqualTo(expected);
  }

  @Test
  void countsThePromptAndEveryCompletionItMayGenerate() throws IOException {
    JsonNode request = mapper.readTree("{\"prompt\":\"hello world\",\"n\":2,\"best_of\":3,\"max_tokens\":100}");

    TokenEstimate estimate = estimate("gpt-3.5-turbo-instruct", request);

    assertThat(estimate.promptTokens()).isEqualTo(2); // "hello", " world"
    assertThat(estimate.completionTokens()).isEqualTo(300); // best_of 3 > n 2
  }

  @Test
  void countsEachPromptOfAnArrayAndTokenIdsAsThemselves() throws IOException {
    TokenEstimate strings = estimate("davinci-002", mapper.readTree("{\"prompt\":[\"hello world\",\"hello\"]}"));
    TokenEstimate ids = estimate("davinci-002", mapper.readTree("{\"prompt\":[1,2,3,4]}"));
    TokenEstimate idLists = estimate("davinci-002", mapper.readTree("{\"prompt\":[[1,2],[3]],\"max_tokens\":5}"));

    assertThat(strings).isEqualTo(new TokenEstimate(3, 2 * TokenEstimator.DEFAULT_MAX_TOKENS));
    assertThat(ids).isEqualTo(new TokenEstimate(4, TokenEstimator.DEFAULT_MAX_TOKENS));
    assertThat(idLists).isEqualTo(new TokenEstimate(3, 10));
  }

  @Test
  void aModelWithoutAKnownEncodingIsCountedByTheStandIn() throws IOException {
    TokenEstimate english = estimate("claude-3-haiku", mapper.readTree("{\"prompt\":\"abcdefghi\",\"max_tokens\":1}"));
    TokenEstimate chinese = estimate("claude-3-haiku", mapper.readTree("{\"prompt\":\"你好世界\",\"max_tokens\":1}"));

    assertThat(english.promptTokens()).isEqualTo(3); // 9 bytes / 4, rounded up
    assertThat(chinese.promptTokens()).isEqualTo(3); // 12 UTF-8 bytes / 4
  }

  @Test
  void countsChatMessagesAsOpenAiDoes() throws IOException {
    JsonNode request = mapper.readTree("{\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
        + "{\"role\":\"user\",\"name\":\"ann\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]}],\"n\":2,\"max_completion_tokens\":50}");

    TokenEstimate estimate = estimator.estimateChat("gpt-3.5-turbo", request.get("messages"), request.get("n"),
        request.get("max_completion_tokens"));
    TokenEstimate unlimited = estimator.estimateChat("gpt-3.5-turbo", request.get("messages"), null, null);

    // 3 priming + (3 + "system" 1 + "be brief" 2) + (3 + "user" 1 + name 1 + "ann" 1 + "hi" 1 + image 85)
    assertThat(estimate.promptTokens()).isEqualTo(3 + 6 + 7 + TokenEstimator.IMAGE_TOKENS);
    assertThat(estimate.completionTokens()).isEqualTo(100);
    assertThat(unlimited.completionTokens()).isEqualTo(TokenEstimator.DEFAULT_CHAT_MAX_TOKENS);
  }

  @Test
  void specialTokenTextIsOrdinaryText() throws IOException {
    TokenEstimate estimate = estimate("gpt-4o", mapper.readTree("{\"prompt\":\"<|endoftext|>\"}"));

    assertThat(estimate.promptTokens()).isGreaterThan(1);
  }

  private TokenEstimate estimate(String model, JsonNode request) {
    return estimator.estimate(model, request.get("prompt"), request.get("suffix"), request.get("n"),
        request.get("best_of"), request.get("max_tokens"));
  }
}
