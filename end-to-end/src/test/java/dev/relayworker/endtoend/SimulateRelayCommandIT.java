package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's first command, through the real launcher, answered over real HTTP. */
class SimulateRelayCommandIT {

  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

  @Test
  void theLauncherStartsASimulatorThatAnswersACompletionWithUsage() throws Exception {
    Process process = new ProcessBuilder("bin/relay-worker", "simulate-relay", "--port", "0", "--latency-ms", "20")
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    try {
      URI base = awaitBaseUri(process);

      HttpResponse<String> answer = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(base.resolve("/v1/completions"))
              .header("Authorization", "Bearer sk-simulator")
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(
                  "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say hi\",\"max_tokens\":5}"))
              .build(),
          HttpResponse.BodyHandlers.ofString());

      JsonNode completion = new ObjectMapper().readTree(answer.body());
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(completion.path("object").asText()).isEqualTo("text_completion");
      assertThat(completion.at("/usage/completion_tokens").asInt()).isBetween(1, 5);
    } finally {
      process.destroy();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("simulator stops on SIGTERM").isTrue();
    }
  }

  private static URI awaitBaseUri(Process process) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      Matcher matcher = LISTENING.matcher(line);
      if (matcher.find()) {
        return URI.create(matcher.group(1));
      }
    }
    throw new AssertionError("simulator exited before saying where it listens");
  }
}
