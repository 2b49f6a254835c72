package dev.relayworker.resilience;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.relay.Usage;
import java.time.Instant;

/**
 * One request as the relay path needs it. Immutable; the body array is not copied.
 *
 * @param api the endpoint it goes to
 * @param body the request JSON, sent unchanged
 * @param deadline when the answer stops being useful; no attempt starts or runs past it
 * @param model the model it asks for, which prices its answer
 * @param tokenEstimate the most tokens it may use (prompt and every completion), charged to the
 *     tokens-per-minute budget until its answer tells the truth; 0 when no budget counts tokens
 * @param group the route or group the request asks to be sent through first, or null for none
 * @param otherRoutes whether another route may take the request if this one cannot: a relay's
 *     pause (a 429) then ends the call at once ({@link CallFailedException.Reason#PAUSED}) instead
 *     of waiting it out
 * @param usageCeiling the most tokens its answer may claim for the prompt, and for the completion
 *     ({@link Usage#within})
 * @param caller who sent it (its caller header), for the caller's caps and routes; null when unnamed
 * @param stream where the text of each attempt goes as the relay streams it; null for a request
 *     answered whole (its body does not ask for a stream)
 * @param trace what the request's trace hears of its attempts; null when it is not traced
 */
public record RelayRequest(RelayApi api, byte[] body, Instant deadline, String model, long tokenEstimate,
    String group, boolean otherRoutes, long usageCeiling, String caller, ChunkStream stream, CallTrace trace) {

  /** A request not traced. */
  public RelayRequest(RelayApi api, byte[] body, Instant deadline, String model, long tokenEstimate,
      String group, boolean otherRoutes, long usageCeiling, String caller, ChunkStream stream) {
    this(api, body, deadline, model, tokenEstimate, group, otherRoutes, usageCeiling, caller, stream, null);
  }

  /** A request answered whole, not streamed. */
  public RelayRequest(RelayApi api, byte[] body, Instant deadline, String model, long tokenEstimate,
      String group, boolean otherRoutes, long usageCeiling, String caller) {
    this(api, body, deadline, model, tokenEstimate, group, otherRoutes, usageCeiling, caller, null);
  }

  /** A request of no named caller. */
  public RelayRequest(RelayApi api, byte[] body, Instant deadline, String model, long tokenEstimate, String group,
      boolean otherRoutes, long usageCeiling) {
    this(api, body, deadline, model, tokenEstimate, group, otherRoutes, usageCeiling, null);
  }

  /** What a request is believed to use at most when nothing else is said: {@code relay.usage.max.tokens}'s default. */
  public static final long DEFAULT_USAGE_CEILING = WorkerConfig.<Long>defaultValue(WorkerConfig.RELAY_USAGE_MAX_TOKENS);

  /** A request that names no route. */
  public RelayRequest(RelayApi api, byte[] body, Instant deadline, String model, long tokenEstimate) {
    this(api, body, deadline, model, tokenEstimate, null, false, DEFAULT_USAGE_CEILING);
  }

  /** A request naming {@code group} first ({@code null}: none), with no other route known yet. */
  public RelayRequest(RelayApi api, byte[] body, Instant deadline, String model, long tokenEstimate, String group) {
    this(api, body, deadline, model, tokenEstimate, group, false, DEFAULT_USAGE_CEILING);
  }

  /** This request, sent where another route may take it if this one cannot ({@code others}) or where none may. */
  public RelayRequest withOtherRoutes(boolean others) {
    return others == otherRoutes ? this
        : new RelayRequest(api, body, deadline, model, tokenEstimate, group, others, usageCeiling, caller, stream,
            trace);
  }

  /** This request, its attempts' text streamed to {@code chunks}. */
  public RelayRequest withStream(ChunkStream chunks) {
    return new RelayRequest(api, body, deadline, model, tokenEstimate, group, otherRoutes, usageCeiling, caller, chunks,
        trace);
  }

  /** This request, its attempts told to {@code callTrace} (null: not traced). */
  public RelayRequest withTrace(CallTrace callTrace) {
    return new RelayRequest(api, body, deadline, model, tokenEstimate, group, otherRoutes, usageCeiling, caller, stream,
        callTrace);
  }

  /** This request as sent through {@code route} of key group {@code keyGroup}: its trace told so. */
  public RelayRequest onRoute(String route, String keyGroup) {
    return trace == null ? this : withTrace(trace.onRoute(route, keyGroup));
  }

}
