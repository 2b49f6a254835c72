package dev.relayworker.embeddings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relayworker.cost.CallCost;
import dev.relayworker.relay.Completion;
import dev.relayworker.relay.Usage;
import dev.relayworker.resilience.CallResult;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Splits the relay's answer to a batch into one answer per member: the member's own
 * {@code embedding} objects in the order of its inputs, {@code index} counted from 0 within the
 * member, and its share of the call's usage and cost.
 *
 * <p>The rule for usage: the call's {@code prompt_tokens} is split in proportion to the tokens
 * each member's inputs hold as the worker counted them (the model's encoding in jtokkit; UTF-8
 * bytes / 4 where none is known; token ids one each), by the largest-remainder method
 * ({@link Shares}), so the parts sum to the call's count exactly. When the relay counts as the
 * worker does, each part is the member's exact count; otherwise a part is within one token of
 * its proportional share of what the relay counted. Cost, the quota counted against spend caps,
 * and each caller's and model's share are split by the same weights, so they too sum to the
 * call's.
 *
 * <p>Pure apart from parsing; any thread.
 */
final class BatchAnswer {

  private BatchAnswer() {}

  /** The answer did not carry exactly one embedding for each input. */
  static final class Mismatch extends Exception {
    private static final long serialVersionUID = 1L;

    Mismatch(String message) {
      super(message, null, false, false);
    }
  }

  /** One result per member, in member order. */
  static List<CallResult> split(CallResult call, List<BatchMember> members, ObjectMapper mapper) throws Mismatch {
    Completion completion = call.completion();
    ObjectNode root;
    try {
      JsonNode tree = mapper.readTree(completion.body());
      if (!(tree instanceof ObjectNode object)) {
        throw new Mismatch("the relay's answer is not a JSON object");
      }
      root = object;
    } catch (IOException e) {
      throw new Mismatch("the relay's answer is not JSON");
    }
    int total = members.stream().mapToInt(BatchMember::inputs).sum();
    JsonNode[] byIndex = byIndex(root.path("data"), total);
    long[] weights = members.stream().mapToLong(BatchMember::tokens).toArray();
    CallCost cost = call.cost();
    Usage usage = cost != null ? cost.usage() : completion.usage().orElse(null);
    long prompt = usage != null ? usage.promptTokens() : sum(weights);
    long[] promptParts = Shares.split(prompt, weights);
    long[] quotaParts = cost != null && cost.priced() ? Shares.split(cost.quota(), weights) : null;
    long[] spentParts = Shares.split(Math.max(0, call.spentQuota()), weights);
    Map<String, long[]> scopedParts = new HashMap<>();
    call.scopedSpend().forEach((scope, spent) -> scopedParts.put(scope, Shares.split(Math.max(0, spent), weights)));
    List<CallResult> results = new ArrayList<>(members.size());
    int next = 0;
    for (int i = 0; i < members.size(); i++) {
      BatchMember member = members.get(i);
      Usage part = new Usage(promptParts[i], 0, promptParts[i]);
      byte[] body = body(root, byIndex, next, member.inputs(), part, mapper);
      next += member.inputs();
      Map<String, Long> scoped = new HashMap<>();
      int index = i;
      scopedParts.forEach((scope, parts) -> scoped.put(scope, parts[index]));
      results.add(new CallResult(new Completion(body, usage != null ? part : null, completion.model(),
          completion.httpStatus(), completion.relayRequestId()), call.attempts(),
          cost == null ? null : costPart(cost, part, quotaParts == null ? -1 : quotaParts[i]), spentParts[i],
          Map.copyOf(scoped), call.route(), call.group()));
    }
    return results;
  }

  /**
   * The answer's embeddings by input position: by their {@code index}, or by their order when
   * none has one.
   */
  private static JsonNode[] byIndex(JsonNode data, int total) throws Mismatch {
    if (!data.isArray() || data.size() != total) {
      throw new Mismatch("the relay answered " + (data.isArray() ? data.size() : 0) + " embeddings for " + total
          + " inputs");
    }
    JsonNode[] byIndex = new JsonNode[total];
    boolean positional = true;
    for (JsonNode item : data) {
      positional &= !item.has("index");
    }
    int position = 0;
    for (JsonNode item : data) {
      JsonNode index = item.get("index");
      int at = positional ? position++ : index != null && index.canConvertToInt() ? index.intValue() : -1;
      if (!item.isObject() || at < 0 || at >= total || byIndex[at] != null) {
        throw new Mismatch("the relay's embeddings do not have each index from 0 to " + (total - 1) + " once");
      }
      byIndex[at] = item;
    }
    return byIndex;
  }

  /**
   * A {@code list} object as the relay would have answered the member alone: the call's other
   * fields ({@code object}, {@code model}, ...), the member's embeddings re-indexed, its usage.
   */
  private static byte[] body(ObjectNode root, JsonNode[] byIndex, int from, int count, Usage usage,
      ObjectMapper mapper) {
    ObjectNode answer = mapper.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (field.getKey().equals("data")) {
        ArrayNode data = answer.putArray("data");
        for (int i = 0; i < count; i++) {
          // A shallow copy: the vector itself is shared, only the index changes.
          ObjectNode item = mapper.createObjectNode();
          byIndex[from + i].fields().forEachRemaining(entry -> item.set(entry.getKey(), entry.getValue()));
          data.add(item.put("index", i));
        }
      } else if (!field.getKey().equals("usage")) {
        answer.set(field.getKey(), field.getValue());
      }
    }
    answer.putObject("usage").put("prompt_tokens", usage.promptTokens()).put("total_tokens", usage.totalTokens());
    try {
      return mapper.writeValueAsBytes(answer);
    } catch (IOException e) {
      throw new IllegalStateException("an embeddings answer could not be encoded", e);
    }
  }

  /** The member's part of the call's cost: its tokens, its part of the quota, that quota in USD and by kind. */
  private static CallCost costPart(CallCost cost, Usage part, long quota) {
    if (quota < 0) {
      return new CallCost(cost.model(), cost.group(), part, -1, null);
    }
    double fraction = cost.quota() == 0 ? 0 : (double) quota / cost.quota();
    BigDecimal usd = cost.quota() == 0 ? BigDecimal.ZERO : cost.usd().multiply(BigDecimal.valueOf(quota))
        .divide(BigDecimal.valueOf(cost.quota()), MathContext.DECIMAL64);
    CallCost.Kinds kinds = cost.byKind();
    return new CallCost(cost.model(), cost.group(), part, quota, usd.signum() == 0 ? BigDecimal.ZERO : usd.stripTrailingZeros(),
        new CallCost.Kinds(kinds.prompt() * fraction, kinds.cached() * fraction, kinds.completion() * fraction));
  }

  private static long sum(long[] values) {
    long sum = 0;
    for (long value : values) {
      sum += value;
    }
    return sum;
  }
}
