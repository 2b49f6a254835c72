package dev.relayworker.metrics;

/**
 * Every meter the worker registers, named once. Names are Micrometer's dotted form; the
 * Prometheus endpoint shows them with underscores and the usual suffixes ({@code _total} for
 * counters, {@code _seconds} for timers), which is the form {@link #prometheusName()} gives and
 * docs/operating.md lists. Resilience4j's own meters ({@code resilience4j_circuitbreaker_*},
 * {@code resilience4j_retry_*}) come on top, under the
 * names its Micrometer module gives them.
 */
public enum Metric {
  REQUESTS_CONSUMED("relay.worker.requests.consumed", Kind.COUNTER,
      "Request records taken from the request topic (valid or not)."),
  REQUESTS_MOVED("relay.worker.requests.moved", Kind.COUNTER,
      "Parked requests moved to the retry topic (parked longer than request.park.max.ms, or on a partition"
          + " whose commit metadata was filling up), so they hold no partition."),
  REPLIES("relay.worker.replies", Kind.COUNTER,
      "Replies produced, by status (ok, error) and error_type (none, invalid_request_error, ...)."),
  REQUEST_AGE("relay.worker.request.age", Kind.TIMER,
      "Time from a request record's timestamp to its reply being built, by status: what the requester"
          + " waits, Kafka queueing included; a histogram."),
  RELAY_LATENCY("relay.worker.relay.latency", Kind.TIMER,
      "Duration of each relay HTTP attempt, by HTTP status (0: no answer); a histogram."),
  RELAY_RETRIES("relay.worker.relay.retries", Kind.COUNTER,
      "Relay attempts scheduled again after a transient failure."),
  RELAY_THROTTLED("relay.worker.relay.throttled", Kind.COUNTER,
      "Relay answers with HTTP 429 (rate limited by the relay)."),
  RATE_LIMITER_WAIT("relay.worker.rate.limiter.wait", Kind.TIMER,
      "Wait each relay attempt spent for the client-side request and token limits (relay.rate.limit.rpm,"
          + " relay.rate.limit.tpm)."),
  RELAY_CALLS_ACTIVE("relay.worker.relay.calls.active", Kind.GAUGE,
      "Relay calls holding one of the relay.max.concurrent.calls slots."),
  IN_FLIGHT("relay.worker.in.flight", Kind.GAUGE,
      "Requests taken and not yet answered."),
  PARKED("relay.worker.parked", Kind.GAUGE,
      "Requests held back while the relay is down, the key is out or a spend cap is reached."),
  PARTITIONS_ASSIGNED("relay.worker.partitions.assigned", Kind.GAUGE,
      "Request and retry topic partitions this worker owns."),
  PARTITIONS_PAUSED("relay.worker.partitions.paused", Kind.GAUGE,
      "Owned partitions paused by back-pressure (in-flight cap, relay down, relay pause)."),
  PARTITIONS_PAUSED_REASON("relay.worker.partitions.paused.reason", Kind.GAUGE,
      "Owned partitions paused, by why (reason: in_flight, the only one more replicas relieve; circuit_open,"
          + " relay_pause, key_out, budget, commit_metadata, stopping). Every reason is always present."),
  PACING_WAIT("relay.worker.pacing.wait.seconds", Kind.GAUGE,
      "How long a request sent now would wait for the key's rate limits (relay.rate.limit.rpm/tpm, this"
          + " worker's share): above 0, the relay's limits, not this worker, set the pace."),
  CONSUMER_LAG("relay.worker.consumer.lag", Kind.GAUGE,
      "Records behind the end of each owned partition (read_committed), by topic and partition."),
  TOKENS("relay.worker.tokens", Kind.COUNTER,
      "Tokens the relay reported in usage (as corrected), by model and kind (prompt, completion; cached and"
          + " reasoning, which are part of those, counted again)."),
  COST_QUOTA("relay.worker.cost.quota", Kind.COUNTER,
      "What answered calls cost in quota (the relay's unit), by model and group."),
  COST_USD("relay.worker.cost.usd", Kind.COUNTER,
      "What answered calls cost in US dollars, by model and group."),
  COST_USD_BY_KIND("relay.worker.cost.kind.usd", Kind.COUNTER,
      "What answered calls cost in US dollars split by kind of token (prompt: uncached prompt tokens; cached:"
          + " prompt tokens read from the cache, at the cache ratio; completion: reasoning included), by route;"
          + " before the relays' rounding up, so the kinds sum to a little under the cost."),
  EMBEDDING_CALLS("relay.worker.embeddings.calls", Kind.COUNTER,
      "Relay calls made for batches of embeddings requests (embeddings.batch.*), splits included."),
  EMBEDDING_REQUESTS("relay.worker.embeddings.requests", Kind.COUNTER,
      "Embeddings requests those calls carried: divided by the calls, the requests per call."),
  EMBEDDING_INPUTS("relay.worker.embeddings.inputs", Kind.COUNTER,
      "Embeddings inputs those calls carried: divided by the calls, the inputs per call."),
  EMBEDDING_SPLITS("relay.worker.embeddings.splits", Kind.COUNTER,
      "Batches of embeddings requests refused as a bad request (400, 413, 422) and split in halves to find"
          + " the request at fault."),
  STREAM_FIRST_CHUNK("relay.worker.stream.first.chunk", Kind.TIMER,
      "Time from a streamed request being sent on to the relay to its first chunk record acknowledged by"
          + " Kafka: the time to first token its reader sees, less Kafka's delivery to the reader; a histogram."),
  STREAM_CHUNKS("relay.worker.stream.chunks", Kind.COUNTER,
      "Chunk records of streamed answers written (stream.topic); divided by the completed streams, the"
          + " chunks per answer."),
  STREAM_COMPLETED("relay.worker.stream.completed", Kind.COUNTER,
      "Relay attempts whose stream completed and whose last chunk record was written."),
  STREAM_CHUNK_FAILURES("relay.worker.stream.chunk.failures", Kind.COUNTER,
      "Chunk records that could not be written (the final reply is published all the same)."),
  SHARE_ACKNOWLEDGEMENTS("relay.worker.share.acknowledgements", Kind.COUNTER,
      "consumer.mode=share: acknowledgements given to share-group records, by type: accept (answered, reply"
          + " committed), reject (refused as invalid), renew (still in flight: the lock is kept), release (handed"
          + " back unanswered when the worker stops)."),
  SHARE_REDELIVERIES("relay.worker.share.redeliveries", Kind.COUNTER,
      "consumer.mode=share: records handed to this worker that had been delivered before (delivery count above 1)."),
  SHARE_ANSWERED_AGAIN("relay.worker.share.answered.again", Kind.COUNTER,
      "consumer.mode=share: records delivered again after their answer was committed (a worker stopped between"
          + " its reply and its acknowledgement), acknowledged without a relay call."),
  SHARE_LOCKS_LOST("relay.worker.share.locks.lost", Kind.COUNTER,
      "consumer.mode=share: records whose acknowledgement the broker refused (the lock had run out): another"
          + " worker may be handed them."),
  SHARE_RECORDS_HELD("relay.worker.share.records.held", Kind.GAUGE,
      "consumer.mode=share: share-group records this worker holds a lock on (in flight, parked, or answered and"
          + " waiting to be accepted)."),
  ROUTE_FALLOVERS("relay.worker.route.fallovers", Kind.COUNTER,
      "Requests a route failed for reasons of its own (key out, circuit open, paused, retries spent, model not"
          + " served) that went on to the next route, by route (the one left)."),
  USAGE_CORRECTED("relay.worker.usage.corrected", Kind.COUNTER,
      "Answers whose usage could not be believed (a negative count, or more than relay.usage.max.tokens and"
          + " the request allow) and was corrected before pricing and pacing, by route."),
  UNPRICED("relay.worker.replies.unpriced", Kind.COUNTER,
      "Ok replies whose model the price table does not know (no cost headers), by model."),
  BUDGET_REMAINING("relay.worker.budget.remaining.usd", Kind.GAUGE,
      "USD left under each spend cap in the current window at this worker's share, by window (hour, day);"
          + " only for caps that are set."),
  KEY_AVAILABLE("relay.worker.relay.key.available", Kind.GAUGE,
      "1 while the relay accepts the key, 0 while it is out (used up or refused) and calls are held."),
  LIMIT_SHARE("relay.worker.limit.share", Kind.GAUGE,
      "Part of the key's limits and budgets this worker applies (relay.limit.share or its part of the"
          + " partitions)."),
  RECORDS_REPLACED("relay.worker.records.replaced", Kind.COUNTER,
      "Records that could not be published as built and were replaced by a fallback, by the fallback"
          + " (error_on_route, error_on_default, dead_letter_cut)."),
  RECORDS_SKIPPED("relay.worker.records.skipped", Kind.COUNTER,
      "Records given up after every fallback failed; their requests' offsets moved on without them."),
  TRANSACTIONS_ABORTED("relay.worker.transactions.aborted", Kind.COUNTER,
      "Exactly-once transactions aborted; their replies were kept and sent again in the next one."),
  TRACE_SPANS("relay.worker.trace.spans", Kind.COUNTER,
      "Ended spans by what became of them (outcome: exported; dropped, the exporter's queue being full;"
          + " failed, the collector refused or did not answer). Absent while tracing is off."),
  DELIVERY_WAIT("relay.worker.delivery.wait", Kind.GAUGE,
      "Seconds answered requests have waited for a transaction to commit or the broker to acknowledge"
          + " without any succeeding; 0 when nothing waits.");

  /** How a meter shows in Prometheus. */
  public enum Kind {
    COUNTER("_total"), TIMER("_seconds"), GAUGE("");

    private final String suffix;

    Kind(String suffix) {
      this.suffix = suffix;
    }
  }

  private final String meterName;
  private final Kind kind;
  private final String description;

  Metric(String meterName, Kind kind, String description) {
    this.meterName = meterName;
    this.kind = kind;
    this.description = description;
  }

  /** The Micrometer name, as registered. */
  public String meterName() {
    return meterName;
  }

  public String description() {
    return description;
  }

  /** The name a Prometheus scrape shows (timers add _count, _sum, _max and _bucket to it). */
  public String prometheusName() {
    return meterName.replace('.', '_') + kind.suffix;
  }
}
