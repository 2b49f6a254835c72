package dev.relayworker.protocol;

import dev.relayworker.config.WorkerConfig;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What makes a record a valid request, from the configuration. Immutable.
 *
 * @param allowedReplyTopics a requested reply topic must match this in full; null allows none
 * @param ttl deadline of a request without a {@code deadline_ms} header, from its record timestamp
 * @param maxDeadline latest deadline any request may have, from its record timestamp
 * @param defaultModel put into bodies without {@code model}; null refuses them
 * @param tokensPerMinute the largest token limit of a route: requests are counted
 *     ({@link dev.relayworker.cost.TokenEstimator}) and one whose estimate alone is over it is refused;
 *     {@link Long#MAX_VALUE} when some routes have a limit and some none, or none has a limit but
 *     some route has a spend cap (counted, for the worst case a capped call reserves; never
 *     refused); 0 when no route has either: nothing is counted
 * @param inputLimits how large names, headers and claimed usage may be
 * @param callerHeader the header naming a request's caller, or null when callers are not named
 * @param groupHeader whether a request may name its route or group ({@code relay_group}); when not,
 *     the header is ignored
 */
public record RequestRules(String defaultReplyTopic, Pattern allowedReplyTopics, Duration ttl, Duration maxDeadline,
    int maxBytes, String defaultModel, CostLimits costLimits, long tokensPerMinute, InputLimits inputLimits,
    String callerHeader, boolean groupHeader) {

  /** Rules reading the caller from {@link ProtocolHeaders#RELAY_CALLER} and honouring {@code relay_group}. */
  public RequestRules(String defaultReplyTopic, Pattern allowedReplyTopics, Duration ttl, Duration maxDeadline,
      int maxBytes, String defaultModel, CostLimits costLimits, long tokensPerMinute, InputLimits inputLimits) {
    this(defaultReplyTopic, allowedReplyTopics, ttl, maxDeadline, maxBytes, defaultModel, costLimits, tokensPerMinute,
        inputLimits, ProtocolHeaders.RELAY_CALLER, true);
  }

  /** Rules with the default input limits. */
  public RequestRules(String defaultReplyTopic, Pattern allowedReplyTopics, Duration ttl, Duration maxDeadline,
      int maxBytes, String defaultModel, CostLimits costLimits, long tokensPerMinute) {
    this(defaultReplyTopic, allowedReplyTopics, ttl, maxDeadline, maxBytes, defaultModel, costLimits, tokensPerMinute,
        InputLimits.defaults());
  }

  /** Rules without a token limit. */
  public RequestRules(String defaultReplyTopic, Pattern allowedReplyTopics, Duration ttl, Duration maxDeadline,
      int maxBytes, String defaultModel, CostLimits costLimits) {
    this(defaultReplyTopic, allowedReplyTopics, ttl, maxDeadline, maxBytes, defaultModel, costLimits, 0);
  }

  public static RequestRules from(WorkerConfig config) {
    String pattern = config.getString(WorkerConfig.REPLY_TOPIC_ALLOWED_PATTERN);
    String model = config.getString(WorkerConfig.REQUEST_DEFAULT_MODEL);
    return new RequestRules(
        config.getString(WorkerConfig.REPLY_TOPIC),
        pattern.isEmpty() ? null : Pattern.compile(pattern),
        Duration.ofMillis(config.getLong(WorkerConfig.REQUEST_TTL_MS)),
        Duration.ofMillis(config.getLong(WorkerConfig.REQUEST_MAX_DEADLINE_MS)),
        config.getInt(WorkerConfig.REQUEST_MAX_BYTES),
        model.isEmpty() ? null : model,
        CostLimits.from(config),
        tokensPerMinute(config),
        InputLimits.from(config),
        config.getString(WorkerConfig.REQUEST_CALLER_HEADER).isBlank() ? null
            : config.getString(WorkerConfig.REQUEST_CALLER_HEADER),
        config.getBoolean(WorkerConfig.ROUTING_GROUP_HEADER_ENABLED));
  }

  private static long tokensPerMinute(WorkerConfig config) {
    List<Integer> limits = config.routeNames().stream()
        .map(route -> config.forRoute(route).getInt(WorkerConfig.RELAY_RATE_LIMIT_TPM)).toList();
    boolean someUnlimited = limits.contains(0);
    int largest = limits.stream().mapToInt(Integer::intValue).max().orElse(0);
    return largest > 0 && someUnlimited || largest == 0 && config.spendCapped() ? Long.MAX_VALUE : largest;
  }
}
