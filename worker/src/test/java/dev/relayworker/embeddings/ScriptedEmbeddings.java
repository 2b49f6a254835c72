package dev.relayworker.embeddings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relayworker.cost.CallCost;
import dev.relayworker.relay.Completion;
import dev.relayworker.relay.FailureKind;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.relay.RelayError;
import dev.relayworker.relay.RelayException;
import dev.relayworker.relay.Usage;
import dev.relayworker.resilience.CallFailedException;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.resilience.RelayAvailability;
import dev.relayworker.resilience.RelayCalls;
import dev.relayworker.resilience.RelayRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A relay for the batcher's tests: answers each embeddings call at once, its data in reverse
 * order (so the split must go by index), each vector {@code [length of the input, position in the
 * call]}; counts each input as its length in characters plus one token (so the split must
 * apportion, not copy); costs one quota per token. An input containing "BAD" gets the call a 400.
 */
final class ScriptedEmbeddings implements RelayCalls {

  final List<RelayRequest> calls = new ArrayList<>();
  final ObjectMapper json = new ObjectMapper();
  Duration pace = Duration.ZERO;
  /** Token estimates above this are over the key's budget per minute. */
  long tokenBudget = Long.MAX_VALUE;
  /** Data items to leave out of the next answer (a relay answering fewer vectors than inputs). */
  int dropNext;

  List<List<String>> inputsOfCalls() {
    List<List<String>> all = new ArrayList<>();
    for (RelayRequest call : calls) {
      List<String> inputs = new ArrayList<>();
      JsonNode input = read(call.body()).get("input");
      (input.isArray() ? input : json.createArrayNode().add(input)).forEach(item -> inputs.add(item.asText()));
      all.add(inputs);
    }
    return all;
  }

  @Override
  public synchronized CompletableFuture<CallResult> complete(RelayRequest request, int chargedBefore) {
    calls.add(request);
    if (request.api() != RelayApi.EMBEDDINGS) {
      return CompletableFuture.completedFuture(new CallResult(new Completion(request.body(), null, "m", 200, null), 1));
    }
    JsonNode body = read(request.body());
    JsonNode input = body.get("input");
    List<JsonNode> inputs = new ArrayList<>();
    (input.isArray() && !input.get(0).isNumber() ? input : json.createArrayNode().add(input)).forEach(inputs::add);
    if (inputs.stream().anyMatch(item -> item.asText().contains("BAD"))) {
      RelayException refusal = new RelayException(FailureKind.FINAL, 400,
          new RelayError("input too long", "invalid_request_error", null, null), null, "relay answered 400");
      return CompletableFuture.failedFuture(new CallFailedException(CallFailedException.Reason.REJECTED, 1, 1, refusal,
          "relay answered 400: input too long"));
    }
    ObjectNode answer = json.createObjectNode().put("object", "list");
    ArrayNode data = answer.putArray("data");
    long tokens = 0;
    for (int i = inputs.size() - 1 - dropNext; i >= 0; i--) {
      String text = inputs.get(i).isTextual() ? inputs.get(i).asText() : inputs.get(i).toString();
      ObjectNode item = json.createObjectNode().put("object", "embedding").put("index", i);
      item.putArray("embedding").add(text.length()).add(i);
      data.add(item);
    }
    dropNext = 0;
    for (JsonNode item : inputs) {
      tokens += (item.isTextual() ? item.asText().length() : item.size()) + 1;
    }
    answer.put("model", body.path("model").asText());
    answer.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
    Usage usage = new Usage(tokens, 0, tokens);
    CallCost cost = new CallCost(body.path("model").asText(), "default", usage, tokens,
        BigDecimal.valueOf(tokens).movePointLeft(6).multiply(BigDecimal.valueOf(2)));
    try {
      return CompletableFuture.completedFuture(new CallResult(new Completion(json.writeValueAsBytes(answer), usage,
          body.path("model").asText(), 200, "relay-1"), 1, cost, tokens, Map.of("caller:a", tokens), "main",
          "default"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public RelayAvailability availability() {
    return new RelayAvailability(RelayAvailability.State.AVAILABLE, null, "scripted");
  }

  @Override
  public Readiness readiness(String model, long tokenEstimate) {
    return tokenEstimate > tokenBudget ? Readiness.OVER_TOKEN_BUDGET : Readiness.TAKES;
  }

  @Override
  public Duration pacingWait(String model, String group, String caller) {
    return pace;
  }

  private JsonNode read(byte[] body) {
    try {
      return json.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
