package dev.relayworker.embeddings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.resilience.RelayRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Embeddings requests that go to the relay in one call: their inputs concatenated in the order
 * the requests joined, sent with the options they share. Not thread-safe: an open batch is
 * guarded by its {@link EmbeddingBatcher}, a sent one is no longer changed.
 */
final class EmbeddingBatch {

  /**
   * What requests must share to share a call: the route or group they name first, their caller
   * (whose routes and caps apply), the kind of their inputs, and every other field of their
   * bodies ({@code model}, {@code dimensions}, {@code encoding_format}, {@code user}, ...).
   */
  record Key(String group, String caller, boolean tokenIds, String options) {}

  private final Key key;
  private final List<BatchMember> members;
  private int inputs;
  private long tokens;

  EmbeddingBatch(Key key, List<BatchMember> members) {
    this.key = key;
    this.members = new ArrayList<>(members);
    members.forEach(this::count);
  }

  Key key() {
    return key;
  }

  List<BatchMember> members() {
    return members;
  }

  int inputs() {
    return inputs;
  }

  /** Whether {@code member} fits beside the requests already here. */
  boolean fits(BatchMember member, BatchLimits limits) {
    return inputs + member.inputs() <= limits.maxInputs() && tokens + member.tokens() <= limits.maxTokens();
  }

  /** Whether no further input fits. */
  boolean full(BatchLimits limits) {
    return inputs >= limits.maxInputs() || tokens >= limits.maxTokens();
  }

  void add(BatchMember member) {
    members.add(member);
    count(member);
  }

  /** The soonest any member must be on its way. */
  Instant sendBy() {
    return members.stream().map(BatchMember::sendBy).min(Instant::compareTo).orElseThrow();
  }

  /** The longest any member may still wait ({@link BatchMember#latest}). */
  Instant latest() {
    return members.stream().map(BatchMember::latest).min(Instant::compareTo).orElseThrow();
  }

  /** The batch's first half and second half by members, for finding the one a 400 is about. */
  List<EmbeddingBatch> halves() {
    int middle = members.size() / 2;
    return List.of(new EmbeddingBatch(key, members.subList(0, middle)),
        new EmbeddingBatch(key, members.subList(middle, members.size())));
  }

  /** The most attempts any member has already been charged: the call may make no more than the poorest could. */
  int chargedBefore() {
    return members.stream().mapToInt(BatchMember::chargedBefore).max().orElse(0);
  }

  /**
   * The one request the relay gets: the shared options and every member's inputs, due by the
   * soonest deadline among them (a member's deadline bounds the batch it joins), estimated and
   * bounded as its members together.
   */
  RelayRequest request(ObjectMapper mapper) {
    BatchMember first = members.get(0);
    if (members.size() == 1) {
      return first.request();
    }
    ObjectNode body = first.input().options().deepCopy();
    ArrayNode all = body.putArray("input");
    members.forEach(member -> member.input().items().forEach(all::add));
    Instant deadline = members.stream().map(member -> member.request().deadline()).min(Instant::compareTo).orElseThrow();
    long estimate = 0;
    long ceiling = 0;
    for (BatchMember member : members) {
      estimate = saturatedSum(estimate, member.request().tokenEstimate());
      ceiling = saturatedSum(ceiling, member.request().usageCeiling());
    }
    byte[] bytes;
    try {
      bytes = mapper.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an embeddings batch could not be encoded", e);
    }
    return new RelayRequest(RelayApi.EMBEDDINGS, bytes, deadline, first.request().model(), estimate, key.group(), false,
        ceiling, key.caller());
  }

  private void count(BatchMember member) {
    inputs += member.inputs();
    tokens = saturatedSum(tokens, member.tokens());
  }

  private static long saturatedSum(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
