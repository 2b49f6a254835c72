package dev.relayworker.simulator;

import java.util.Locale;

/**
 * Whose habits the simulator's failures follow. The bodies and headers are those the relays' own
 * code sends (one-api at commit 8df4a267, new-api's current sources), so a client can be tested
 * against each without running them.
 */
public enum Flavor {
  /**
   * OpenAI-like: 429s carry Retry-After and {@code retry-after-ms}; errors have a type and code; no
   * relay request ID. The simulator's behaviour before flavors existed.
   */
  OPENAI,
  /**
   * one-api: every answer carries {@code X-Oneapi-Request-Id} and error messages end in
   * {@code (request id: X)}; its global limiter answers a bare 429 (no body, no Retry-After); an
   * upstream 429 becomes {@code 当前分组上游负载已饱和，请稍后再试}; no channel is a 503 with only
   * the message {@code 当前分组 G 下对于模型 M 无可用渠道}; used-up quota is 403
   * {@code insufficient_user_quota}; errors are {@code one_api_error} or {@code upstream_error}.
   */
  ONE_API,
  /**
   * new-api: as one-api, but its per-user limiter answers 429 {@code 您已达到请求数限制} (no
   * Retry-After), no channel is 503 {@code model_not_found}, used-up quota is 403
   * {@code insufficient_user_quota} with {@code 用户额度不足}, errors are {@code new_api_error}.
   */
  NEW_API;

  /** The name used on the command line ({@code --flavor one-api}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Flavor ofLabel(String label) {
    for (Flavor flavor : values()) {
      if (flavor.label().equals(label)) {
        return flavor;
      }
    }
    throw new IllegalArgumentException("unknown flavor '" + label + "'; known: openai, one-api, new-api");
  }

  /** Whether answers carry the relay's request ID (header and message suffix). */
  boolean tagsRequests() {
    return this != OPENAI;
  }
}
