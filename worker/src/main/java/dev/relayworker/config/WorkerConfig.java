package dev.relayworker.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Every setting of relay-worker, declared once: name, type, default, validation and
 * documentation together, in the style of Kafka's own client configs (it is Kafka's
 * {@link ConfigDef}). The configuration reference is generated from {@link #DEFINITION}.
 *
 * <p>Instances are immutable and safe to share between threads. Construction fails with a
 * {@link org.apache.kafka.common.config.ConfigException} naming the offending key when a
 * value is missing, of the wrong type or out of range. {@code relay.api.key} is a
 * {@link Type#PASSWORD}, so it prints as {@code [hidden]} in logs and {@code toString()}; a
 * {@code kafka.}-prefixed key that no Kafka client knows is refused too ({@link KafkaClientSettings}).
 */
public final class WorkerConfig extends AbstractConfig {

  public static final String RELAY_BASE_URL = "relay.base.url";
  public static final String RELAY_API_KEY = "relay.api.key";
  public static final String RELAY_API_KEY_FILE = "relay.api.key.file";
  public static final String RELAY_API_KEY_ENV = "relay.api.key.env";
  public static final String RELAY_HTTP_VERSION = "relay.http.version";
  public static final String RELAY_HTTP_CLIENT = "relay.http.client";
  public static final String RELAY_MESSAGES_AUTH = "relay.messages.auth";
  public static final String RELAY_IDLE_TIMEOUT_MS = "relay.idle.timeout.ms";
  public static final String RELAY_CONNECT_TIMEOUT_MS = "relay.connect.timeout.ms";
  public static final String RELAY_REQUEST_TIMEOUT_MS = "relay.request.timeout.ms";
  public static final String RELAY_RATE_LIMIT_RPM = "relay.rate.limit.rpm";
  public static final String RELAY_RATE_LIMIT_TPM = "relay.rate.limit.tpm";
  public static final String RELAY_LIMIT_SHARE = "relay.limit.share";
  public static final String RELAY_KEY_FAILURE = "relay.key.failure";
  public static final String RELAY_KEY_PROBE_INTERVAL_MS = "relay.key.probe.interval.ms";
  public static final String RELAY_GROUP = "relay.group";
  public static final String RELAY_GROUP_RATIO = "relay.group.ratio";
  public static final String ROUTES = "routes";
  public static final String ROUTING_MODELS = "routing.models";
  public static final String ROUTING_STRATEGY = "routing.strategy";
  public static final String ROUTING_UNSERVED_RECHECK_MS = "routing.unserved.recheck.ms";
  public static final String PRICE_TABLE_FILE = "price.table.file";
  public static final String BUDGET_USD_PER_HOUR = "budget.usd.per.hour";
  public static final String BUDGET_USD_PER_DAY = "budget.usd.per.day";
  public static final String BUDGET_QUOTA_PER_HOUR = "budget.quota.per.hour";
  public static final String BUDGET_QUOTA_PER_DAY = "budget.quota.per.day";
  public static final String BUDGET_LEDGER_TOPIC = "budget.ledger.topic";
  public static final String BUDGET_CALLER_USD_PER_HOUR = "budget.caller.usd.per.hour";
  public static final String BUDGET_CALLER_USD_PER_DAY = "budget.caller.usd.per.day";
  public static final String BUDGET_MODEL_USD_PER_HOUR = "budget.model.usd.per.hour";
  public static final String BUDGET_MODEL_USD_PER_DAY = "budget.model.usd.per.day";
  public static final String BUDGET_EXCEEDED_ACTION = "budget.exceeded.action";
  /** {@link #BUDGET_EXCEEDED_ACTION}: answer {@code budget_exceeded} at once. */
  public static final String REPLY = "reply";
  /** {@link #BUDGET_EXCEEDED_ACTION}: park until the window reopens. */
  public static final String PARK = "park";
  public static final String REQUEST_CALLER_HEADER = "request.caller.header";
  public static final String ROUTING_ALLOWED_GROUPS = "routing.allowed.groups";
  public static final String ROUTING_GROUP_HEADER_ENABLED = "routing.group.header.enabled";
  public static final String RELAY_MAX_CONCURRENT_CALLS = "relay.max.concurrent.calls";
  public static final String RELAY_RETRY_MAX_ATTEMPTS = "relay.retry.max.attempts";
  public static final String RELAY_RETRY_INITIAL_BACKOFF_MS = "relay.retry.initial.backoff.ms";
  public static final String RELAY_RETRY_MAX_BACKOFF_MS = "relay.retry.max.backoff.ms";
  public static final String RELAY_RETRY_AFTER_MAX_MS = "relay.retry.after.max.ms";
  public static final String RELAY_CIRCUIT_FAILURE_RATE = "relay.circuit.failure.rate.percent";
  public static final String RELAY_CIRCUIT_MINIMUM_CALLS = "relay.circuit.minimum.calls";
  public static final String RELAY_CIRCUIT_WINDOW_SECONDS = "relay.circuit.window.seconds";
  public static final String RELAY_CIRCUIT_OPEN_MS = "relay.circuit.open.ms";
  public static final String RELAY_CIRCUIT_HALF_OPEN_CALLS = "relay.circuit.half.open.calls";

  public static final String KAFKA_BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
  public static final String GROUP_ID = "group.id";
  public static final String REQUEST_TOPIC = "request.topic";
  public static final String REPLY_TOPIC = "reply.topic";
  public static final String DLQ_TOPIC = "dlq.topic";
  public static final String RETRY_TOPIC = "retry.topic";
  public static final String REQUEST_PARK_MAX_MS = "request.park.max.ms";
  public static final String REPLY_TOPIC_ALLOWED_PATTERN = "reply.topic.allowed.pattern";
  public static final String TOPICS_CREATE = "topics.create";
  public static final String TOPICS_PARTITIONS = "topics.partitions";
  public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";
  public static final String REQUEST_TTL_MS = "request.ttl.ms";
  public static final String REQUEST_MAX_BYTES = "request.max.bytes";
  public static final String REQUEST_DEFAULT_MODEL = "request.default.model";
  public static final String REQUEST_MAX_DEADLINE_MS = "request.max.deadline.ms";
  public static final String REQUEST_MAX_N = "request.max.n";
  public static final String REQUEST_MAX_BEST_OF = "request.max.best.of";
  public static final String REQUEST_MAX_TOKENS = "request.max.tokens";
  public static final String REQUEST_MAX_PROMPTS = "request.max.prompts";
  public static final String REQUEST_MAX_MODEL_CHARS = "request.max.model.chars";
  public static final String REQUEST_MAX_HEADER_BYTES = "request.max.header.bytes";
  public static final String RELAY_USAGE_MAX_TOKENS = "relay.usage.max.tokens";
  public static final String EMBEDDINGS_BATCH_MAX_INPUTS = "embeddings.batch.max.inputs";
  public static final String EMBEDDINGS_BATCH_MAX_TOKENS = "embeddings.batch.max.tokens";
  public static final String EMBEDDINGS_BATCH_LINGER_MS = "embeddings.batch.linger.ms";
  public static final String STREAM_TOPIC = "stream.topic";
  public static final String STREAM_CHUNK_LINGER_MS = "stream.chunk.linger.ms";
  public static final String STREAM_CHUNK_MAX_CHARS = "stream.chunk.max.chars";
  public static final String MAX_IN_FLIGHT = "worker.max.in.flight";
  public static final String MAX_IN_FLIGHT_BYTES = "worker.max.in.flight.bytes";
  public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
  public static final String REBALANCE_DRAIN_TIMEOUT_MS = "rebalance.drain.timeout.ms";
  public static final String SHUTDOWN_TIMEOUT_MS = "shutdown.timeout.ms";
  public static final String DELIVERY_GUARANTEE = "delivery.guarantee";
  public static final String CONSUMER_MODE = "consumer.mode";
  public static final String GROUP = "group";
  public static final String SHARE = "share";
  public static final String SHARE_ANSWERED_TOPIC = "share.answered.topic";
  public static final String SHARE_ANSWERED_RETENTION_MS = "share.answered.retention.ms";
  public static final String EXACTLY_ONCE = "exactly_once";
  public static final String AT_LEAST_ONCE = "at_least_once";
  public static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";
  public static final String ADMIN_PORT = "admin.port";
  public static final String TRACING_ENABLED = "tracing.enabled";
  public static final String ADMIN_BIND_ADDRESS = "admin.bind.address";
  public static final String HEALTH_DELIVERY_STALL_MS = "health.delivery.stall.ms";
  public static final String RELAY_MAX_RESPONSE_BYTES = "relay.max.response.bytes";
  public static final String RELAY_HTTPS_PROXY = "relay.https.proxy";
  public static final String RELAY_HTTP_PROXY = "relay.http.proxy";
  public static final String RELAY_NO_PROXY = "relay.no.proxy";

  /** A year: no request is kept longer, whatever the settings, so deadline arithmetic stays far from overflow. */
  private static final long MAX_DEADLINE_MS = 365L * 24 * 3_600_000;

  public static final ConfigDef DEFINITION = new ConfigDef()
      .define(KAFKA_BOOTSTRAP_SERVERS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
          Importance.HIGH, "Kafka brokers to start from, host:port[,host:port]. Every other 'kafka.'-prefixed"
              + " setting (TLS, SASL, client tuning) is passed to the Kafka clients without the prefix.")
      .define(GROUP_ID, Type.STRING, "relay-worker", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Consumer group of the workers. Workers sharing it share the request topic's partitions.")
      .define(CONSUMER_MODE, Type.STRING, GROUP, ValidString.in(GROUP, SHARE), Importance.HIGH,
          "group: the workers form a consumer group and share the request topic's partitions, at most one"
              + " busy worker per partition; exactly once under delivery.guarantee=exactly_once. share: they form"
              + " a share group (Kafka queues, KIP-932) and every worker takes records of every partition, so"
              + " they scale past the partition count; requests are delivered at least once, replies are"
              + " written in transactions with a record of each answered request (" + "share.answered.topic"
              + "), and a request delivered again after it was answered is acknowledged without a relay call."
              + " The broker must serve share groups (Kafka 4.2 or later).")
      .define(REQUEST_TOPIC, Type.STRING, "completions.requests", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Topic the completion requests are read from.")
      .define(REPLY_TOPIC, Type.STRING, "completions.replies", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Topic replies go to unless a request names an allowed reply topic of its own.")
      .define(DLQ_TOPIC, Type.STRING, "completions.requests.dlq", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
          "Dead-letter topic: records that are not valid requests are copied here unchanged, with headers"
              + " naming the reason and where they came from.")
      .define(REQUEST_CALLER_HEADER, Type.STRING, "relay_caller", Importance.MEDIUM,
          "Request header naming the caller (the service that sent it), for its spend caps"
              + " (budget.caller.*) and the routes it may use (routing.allowed.groups). Trusted as sent: restrict"
              + " who may write the request topic with Kafka ACLs. Empty: callers are not named.")
      .define(ROUTING_ALLOWED_GROUPS, Type.STRING, "", Importance.MEDIUM,
          "The routes (by route or group name) each caller may use: 'svc-a=bulk; svc-b=bulk,premium; *=bulk',"
              + " where '*' is every caller not named (and requests naming none). A request is sent only along"
              + " its caller's routes, relay_group may name only one of them, and a refusal lists only them."
              + " Empty (the default): every caller may use every route.")
      .define(ROUTING_GROUP_HEADER_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
          "Whether a request may name its first route or group in the relay_group header. false: the header"
              + " is ignored and requests follow routing.models alone.")
      .define(RETRY_TOPIC, Type.STRING, "", Importance.MEDIUM,
          "Topic of the worker's own where a request parked longer than " + "request.park.max.ms" + " is moved"
              + " (its record copied with its deadline and attempts, in the same transaction as its offset), so"
              + " that it never holds its partition; the same group consumes it and answers as if directly."
              + " Empty (the default): the request topic's name with '.retry' added.")
      .define(REQUEST_PARK_MAX_MS, Type.INT, 300_000, Range.between(1_000, 86_400_000), Importance.MEDIUM,
          "How long a request may stay parked (every route of its model down, held or paused) before it is"
              + " moved to " + "retry.topic" + ", releasing its partition's committed offset. A partition whose"
              + " commit metadata nears its limit moves its parked requests at once.")
      .define(REPLY_TOPIC_ALLOWED_PATTERN, Type.STRING, "completions\\.replies(\\..+)?", ConfigValidators.REGEX,
          Importance.MEDIUM,
          "Regular expression a requested reply topic (kafka_replyTopic, REPLY_TOPIC) must match in full;"
              + " other requests get an error reply on reply.topic. Empty: no requested topic is allowed.")
      .define(TOPICS_CREATE, Type.BOOLEAN, true, Importance.MEDIUM,
          "Create the request, reply and dead-letter topics at start when missing. When false, a missing"
              + " topic stops start-up with its name.")
      .define(TOPICS_PARTITIONS, Type.INT, 4, Range.between(1, 10_000), Importance.MEDIUM,
          "Partitions of topics the worker creates. Workers scale up to the request topic's partitions.")
      .define(TOPICS_REPLICATION_FACTOR, Type.SHORT, (short) -1, Importance.MEDIUM,
          "Replication factor of topics the worker creates; -1 takes the broker's default.")
      .define(REQUEST_TTL_MS, Type.LONG, 300_000L, Range.between(1, MAX_DEADLINE_MS), Importance.MEDIUM,
          "Deadline of a request without a deadline_ms header: its record timestamp plus this.")
      .define(REQUEST_MAX_BYTES, Type.INT, 1_048_576, Range.between(2, 100_000_000), Importance.LOW,
          "Largest request value accepted; larger ones get an error reply and a dead-letter copy.")
      .define(REQUEST_DEFAULT_MODEL, Type.STRING, "", Importance.MEDIUM,
          "Model put into requests that name none. Empty: such requests are refused.")
      .define(REQUEST_MAX_DEADLINE_MS, Type.LONG, 86_400_000L, Range.between(1, MAX_DEADLINE_MS), Importance.LOW,
          "Latest deadline a request may ask for, counted from its record timestamp: a deadline_ms header"
              + " further out is cut to this, so no request is held or retried for longer.")
      .define(REQUEST_MAX_N, Type.INT, 128, Range.between(1, 1_000_000), Importance.LOW,
          "Largest n (choices per prompt) accepted; larger requests are refused before any relay call.")
      .define(REQUEST_MAX_BEST_OF, Type.INT, 20, Range.between(1, 1_000_000), Importance.LOW,
          "Largest best_of (completions generated server-side per prompt, each one paid) accepted.")
      .define(REQUEST_MAX_TOKENS, Type.INT, 131_072, Range.between(1, Integer.MAX_VALUE), Importance.LOW,
          "Largest max_tokens accepted.")
      .define(REQUEST_MAX_PROMPTS, Type.INT, 2_048, Range.between(1, 1_000_000), Importance.LOW,
          "Most prompts one request may carry (the length of an array prompt; one string or one token list"
              + " counts as one).")
      .define(REQUEST_MAX_MODEL_CHARS, Type.INT, 256, Range.between(1, 100_000), Importance.LOW,
          "Longest model name accepted. Model names are remembered (routes that do not serve them, metric"
              + " tags), so they are kept short; a longer one is refused before any relay call.")
      .define(REQUEST_MAX_HEADER_BYTES, Type.INT, 1_024, Range.between(16, 1_000_000), Importance.LOW,
          "Largest value of a header the worker reads (request_id, deadline_ms, endpoint, relay_group, the"
              + " Spring and SmallRye correlation and reply headers); a request with a larger one is refused,"
              + " and an oversized correlation ID is not echoed.")
      .define(EMBEDDINGS_BATCH_MAX_INPUTS, Type.INT, 256, Range.between(1, 2_048), Importance.MEDIUM,
          "Most inputs one relay call for embeddings carries: embeddings requests of the same route, caller,"
              + " model and options (dimensions, encoding_format, ...) are sent together, each answered with its"
              + " own vectors. 1 sends every request alone. A request with more inputs is sent alone, whole."
              + " At most 2048, OpenAI's limit per call.")
      .define(EMBEDDINGS_BATCH_MAX_TOKENS, Type.INT, 100_000, Range.between(1, 300_000), Importance.LOW,
          "Most input tokens (counted before the call, in the model's encoding) one relay call for embeddings"
              + " carries. A request with more is sent alone, whole. At most 300000, OpenAI's limit per call.")
      .define(EMBEDDINGS_BATCH_LINGER_MS, Type.INT, 10, Range.between(0, 60_000), Importance.MEDIUM,
          "Longest an embeddings request waits for others to share its relay call; a full batch goes at once,"
              + " and a request never waits more than half the time its deadline leaves it.")
      .define(STREAM_TOPIC, Type.STRING, "", Importance.MEDIUM,
          "Topic the chunk records of streamed answers go to. Empty (the default): the request's reply topic"
              + " with '.stream' added (" + REPLY_TOPIC + "'s is created at start when " + TOPICS_CREATE + " allows;"
              + " a requested reply topic's must exist). Where it cannot be written, streamed requests get their"
              + " final reply only.")
      .define(STREAM_CHUNK_LINGER_MS, Type.INT, 50, Range.between(0, 10_000), Importance.LOW,
          "Longest a streamed answer's text waits for more before it is written as a chunk record; an"
              + " attempt's first text goes at once. 0 writes each piece of text the relay sends as a record.")
      .define(STREAM_CHUNK_MAX_CHARS, Type.INT, 4_096, Range.between(1, 1_000_000), Importance.LOW,
          "Characters of text that make a chunk record go at once, linger or not.")
      .define(MAX_IN_FLIGHT, Type.INT, 0, Range.between(0, 1_000_000), Importance.HIGH,
          "Most requests a worker holds unanswered (at the relay, waiting for it, or parked during an outage),"
              + " over all its partitions; 0 (the default) sizes it to keep the relay busy: "
              + RELAY_MAX_CONCURRENT_CALLS + " plus three polls' worth of requests waiting for a slot. At the cap,"
              + " partitions pause; they resume a poll's worth below it. A poll brings at most a quarter of the"
              + " smaller of the two (500 at most). A cap at or below " + RELAY_MAX_CONCURRENT_CALLS + " leaves"
              + " relay slots idle after each pause. Answered requests wait at most one commit interval more.")
      .define(MAX_IN_FLIGHT_BYTES, Type.LONG, 0L, Range.atLeast(0L), Importance.MEDIUM,
          "Most bytes the requests a worker holds may take, from being consumed until done: their records"
              + " (reckoned twice, for the copies parsing makes) and what was built to answer them. At the cap,"
              + " partitions pause; they resume below three quarters of it. 0 (the default): a quarter of the"
              + " maximum heap, so large records cannot exhaust it however few they are. The consumer's own"
              + " fetch buffer (kafka.fetch.max.bytes) is capped at an eighth of the heap unless set.")
      .define(DELIVERY_GUARANTEE, Type.STRING, EXACTLY_ONCE, ValidString.in(EXACTLY_ONCE, AT_LEAST_ONCE),
          Importance.HIGH, "exactly_once: replies and consumed offsets are committed together in one Kafka"
              + " transaction, so a read_committed reader sees one reply per request. at_least_once: no"
              + " transactions; nothing is lost, but a crash repeats replies finished since the last commit.")
      .define(COMMIT_INTERVAL_MS, Type.INT, 100, Range.between(10, 60_000), Importance.LOW,
          "How often finished replies and offsets are committed (one transaction each time under"
              + " exactly_once). Shorter means fewer repeats after a crash and lower reply latency.")
      .define(OFFSET_METADATA_MAX_BYTES, Type.INT, 4096, Range.between(64, 1_048_576), Importance.LOW,
          "The broker's offset.metadata.max.bytes. Offsets finished above a partition's committed one are"
              + " recorded in the commit metadata so restarts skip them; when that record would outgrow this,"
              + " the partition takes no new work until the gap closes.")
      .define(REBALANCE_DRAIN_TIMEOUT_MS, Type.INT, 10_000, Range.between(0, 600_000), Importance.LOW,
          "When partitions are taken away, how long to wait for their requests in flight to be answered"
              + " before handing them over. Unfinished ones are redone by the new owner.")
      .define(SHUTDOWN_TIMEOUT_MS, Type.INT, 30_000, Range.between(0, 3_600_000), Importance.LOW,
          "On SIGTERM, how long to wait for requests in flight to be answered before committing and exiting.")
      .define(ADMIN_PORT, Type.INT, 9400, Range.between(-1, 65_535), Importance.MEDIUM,
          "Port of the HTTP endpoint serving GET /metrics (Prometheus), /health/live and /health/ready."
              + " 0 picks a free port (logged at start); -1 turns the endpoint off.")
      .define(ADMIN_BIND_ADDRESS, Type.STRING, "0.0.0.0", new ConfigDef.NonEmptyString(), Importance.LOW,
          "Address the admin endpoint listens on. The default, every interface, is what Kubernetes probes"
              + " need; 127.0.0.1 keeps it off other hosts.")
      .define(TRACING_ENABLED, Type.STRING, "auto", ValidString.in("auto", "true", "false"), Importance.LOW,
          "OpenTelemetry traces of each request (docs/observability.md). auto traces when the environment"
              + " names where spans go (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or an"
              + " OTEL_TRACES_EXPORTER other than none); true traces to OTLP's default, http://localhost:4318,"
              + " unless those say otherwise; false never. Endpoint, headers, sampler and queue are the standard"
              + " OTEL_* variables; OTEL_SDK_DISABLED=true turns tracing off.")
      .define(HEALTH_DELIVERY_STALL_MS, Type.INT, 60_000, Range.between(1_000, 3_600_000), Importance.LOW,
          "/health/ready turns DOWN when replies have waited this long without a transaction committing"
              + " (exactly_once) or the broker acknowledging one (at_least_once).")
      .define(RELAY_BASE_URL, Type.STRING, "", Importance.HIGH,
          "Base URL of the OpenAI-compatible relay, with or without /v1 (for example"
              + " https://relay.example.com). Required, here or as every route's route.<name>.base.url.")
      .define(RELAY_API_KEY, Type.PASSWORD, null, ConfigValidators.HEADER_SAFE_SECRET,
          Importance.HIGH, "Relay API key, sent as 'Authorization: Bearer <key>'. Printable ASCII only: a key"
              + " with a space, a control or a non-ASCII character (a pasted zero-width space) stops start-up."
              + " Never logged, never put in a reply. Required, here or from " + RELAY_API_KEY_FILE + " or "
              + RELAY_API_KEY_ENV + ".")
      .define(RELAY_API_KEY_FILE, Type.STRING, "", Importance.MEDIUM,
          "File holding the relay API key (a mounted secret); surrounding whitespace and the final newline"
              + " are dropped. Read when " + RELAY_API_KEY + " is not set.")
      .define(RELAY_API_KEY_ENV, Type.STRING, "", Importance.MEDIUM,
          "Name of an environment variable holding the relay API key, read at start-up when " + RELAY_API_KEY
              + " is not set; a variable that is not set stops start-up. Lets each route take its key from a"
              + " variable of its own (route.<name>.api.key.env=CHEAP_GROUP_KEY).")
      .define(ROUTES, Type.LIST, "", ConfigValidators.ROUTE_NAMES, Importance.HIGH,
          "Names of the relay routes: each a key of one group (分组) at a relay, with its own base URL, key,"
              + " prices, limits, budgets and circuit breaker. A route takes every relay.* setting (but "
              + "relay.limit.share), budget.* and price.table.file as route.<name>.<setting without relay.>"
              + " (route.cheap.base.url, route.cheap.api.key.file, route.cheap.rate.limit.rpm,"
              + " route.cheap.budget.usd.per.day); what it does not set it takes from the top-level setting. A"
              + " route's group defaults to its name. Empty (the default): one route named 'default' made of"
              + " the top-level settings.")
      .define(ROUTING_MODELS, Type.STRING, "", ConfigValidators.MODEL_ROUTES, Importance.HIGH,
          "Which routes serve which model, in the order they are tried: 'model=route,route;"
              + " model=route; *=route,route' (model names as requests send them; * for any other model)."
              + " Empty, or a model it does not name without a * entry: every route, in the order of " + ROUTES
              + ".")
      .define(ROUTING_STRATEGY, Type.STRING, "ordered", ValidString.in("ordered", "cheapest"), Importance.MEDIUM,
          "Order in which a model's routes are tried. ordered: as " + ROUTING_MODELS + " (or " + ROUTES
              + ") lists them. cheapest: by the model's price in each route's group (prompt plus completion"
              + " price per token), list order breaking ties; a route that cannot price the model goes last.")
      .define(ROUTING_UNSERVED_RECHECK_MS, Type.INT, 600_000, Range.between(1_000, 86_400_000), Importance.LOW,
          "How long a route that answered that it does not serve a model (503 no channel, 403 model not"
              + " allowed for its group) is skipped for that model before it is tried again.")
      .define(RELAY_HTTP_VERSION, Type.STRING, "HTTP_1_1",
          ValidString.in("HTTP_1_1", "HTTP_2"), Importance.LOW,
          "HTTP version offered to the relay. HTTP_2 is negotiated only over TLS and needs"
              + " relay.http.client=jdk.")
      .define(RELAY_MESSAGES_AUTH, Type.STRING, "x-api-key", ValidString.in("x-api-key", "bearer"), Importance.LOW,
          "How the key is sent with Messages requests (/v1/messages): x-api-key, as Anthropic's API takes it"
              + " (new-api copies it into its Bearer check), or bearer, as Authorization: Bearer. Every call of"
              + " the other endpoints sends Bearer.")
      .define(RELAY_HTTP_CLIENT, Type.STRING, "netty", ValidString.in("netty", "jdk"), Importance.LOW,
          "The relay's HTTP transport. netty: HTTP/1.1 on one event loop, a pool of keep-alive"
              + " connections capped at relay.max.concurrent.calls; every answer is read and completed on"
              + " that loop. jdk: the JDK's HttpClient (HTTP/1.1 or HTTP/2); on JDK 17 with fewer than"
              + " 3 CPUs it starts a thread per answer unless the common ForkJoinPool's parallelism is at"
              + " least 2 (bin/relay-worker and the image set it).")
      .define(RELAY_IDLE_TIMEOUT_MS, Type.INT, 30_000, Range.between(1_000, 3_600_000), Importance.LOW,
          "How long a keep-alive connection to the relay may sit unused before the netty client closes"
              + " it. Keep it below the relay's (or its proxy's) own idle timeout.")
      .define(RELAY_CONNECT_TIMEOUT_MS, Type.INT, 5_000, Range.between(1, 600_000), Importance.MEDIUM,
          "Timeout for opening a connection to the relay.")
      .define(RELAY_REQUEST_TIMEOUT_MS, Type.INT, 120_000, Range.between(1, 3_600_000), Importance.MEDIUM,
          "Timeout of one relay call, from sending the request to the last byte of the answer, body"
              + " included. A call never runs past its request's deadline either.")
      .define(RELAY_MAX_RESPONSE_BYTES, Type.INT, 4_194_304, Range.between(1_024, Integer.MAX_VALUE),
          Importance.LOW, "Largest relay answer body read. A longer one is cut off as it streams in and the"
              + " request is answered with a relay_error; nothing larger is ever held in memory. Answers being"
              + " read at once also share an eighth of the heap; a call that would overrun it fails as transient.")
      .define(RELAY_HTTPS_PROXY, Type.STRING, "", Importance.LOW,
          "HTTP proxy an https relay is reached through, http://[user:password@]host[:port] (port 1080 when"
              + " left out): a CONNECT tunnel, TLS to the relay inside it. Also read from HTTPS_PROXY or https_proxy."
              + " Empty: direct. Loopback relays and hosts in " + "relay.no.proxy" + " are always reached directly.")
      .define(RELAY_HTTP_PROXY, Type.STRING, "", Importance.LOW,
          "HTTP proxy a plain http relay is reached through, as " + "relay.https.proxy" + " (a CONNECT tunnel too:"
              + " the proxy must allow CONNECT to the relay's port). Also read from HTTP_PROXY or http_proxy.")
      .define(RELAY_NO_PROXY, Type.STRING, "", Importance.LOW,
          "Hosts reached without the proxy, comma-separated as curl reads NO_PROXY: a name matches itself and"
              + " every name below it, IP addresses and CIDR ranges (10.0.0.0/8) match addresses, * matches every"
              + " host. Also read from NO_PROXY or no_proxy.")
      .define(RELAY_USAGE_MAX_TOKENS, Type.LONG, 2_000_000L, Range.between(1_000, 1_000_000_000_000L), Importance.LOW,
          "Most tokens an answer's usage may claim for its prompt, and for its completion, unless the request"
              + " itself allows more (twice its max_tokens times its choices, or its token estimate). A relay"
              + " claiming more, or a negative count, is corrected to the bound (and 0), counted in"
              + " relay_worker_usage_corrected_total and logged: its numbers price the call and pace the"
              + " token budget, so one absurd answer must not stall or unprice the rest. Worker-wide.")
      .define(RELAY_RATE_LIMIT_RPM, Type.INT, 0, Range.atLeast(0), Importance.HIGH,
          "Requests per minute the worker may send to the relay, paced evenly (600 means one call"
              + " every 100 ms, not 600 at once). 0 means no client-side limit.")
      .define(RELAY_RATE_LIMIT_TPM, Type.INT, 0, Range.atLeast(0), Importance.HIGH,
          "Tokens per minute the worker may send to the relay, paced evenly like requests. Each call is"
              + " charged its estimate first (prompt tokens in the model's encoding plus max(n, best_of) x"
              + " max_tokens, 16 when absent) and settled with the answer's usage. A request whose estimate"
              + " alone is over this is refused (cost_limit). 0 means no token limit.")
      .define(RELAY_LIMIT_SHARE, Type.DOUBLE, 0.0, Range.between(0.0, 1.0), Importance.MEDIUM,
          "Part of the key's limits (" + RELAY_RATE_LIMIT_RPM + ", " + RELAY_RATE_LIMIT_TPM + ") and budgets"
              + " (budget.*) this worker applies. 0 (the default): its part of the request topic's partitions,"
              + " recomputed at every rebalance, so the workers of a group together stay within the key's"
              + " limits. Set it by hand when workers of several groups or topics share one key.")
      .define(RELAY_KEY_FAILURE, Type.STRING, "pause", ValidString.in("pause", "fail"), Importance.MEDIUM,
          "What a used-up or refused key (401, 402, 403 insufficient_user_quota or"
              + " pre_consume_token_quota_failed) does. pause: consumption stops, requests taken are parked"
              + " (their deadlines still end them), one is sent as a probe every " + RELAY_KEY_PROBE_INTERVAL_MS
              + " and everything resumes once the key works. fail: each refused request gets an"
              + " authentication_error reply. Either way a key refused before the relay ever accepted it"
              + " holds the worker and is reported at start-up.")
      .define(RELAY_KEY_PROBE_INTERVAL_MS, Type.INT, 60_000, Range.between(100, 86_400_000), Importance.LOW,
          "While the key is out, how often one parked request is sent to learn whether it works again.")
      .define(RELAY_GROUP, Type.STRING, "default", ConfigValidators.SHORT_NAME, Importance.MEDIUM,
          "The key's group (分组) at the relay: its ratio in the price table multiplies every price, and"
              + " its name is in the relay_group reply header and the cost metrics.")
      .define(RELAY_GROUP_RATIO, Type.DOUBLE, -1.0, Range.atLeast(-1.0), Importance.MEDIUM,
          "The ratio of " + RELAY_GROUP + " that multiplies every price, where the relay's group ratio differs"
              + " from the price table's or the table does not name the group. -1 (the default): the table's.")
      .define(PRICE_TABLE_FILE, Type.STRING, "", Importance.MEDIUM,
          "JSON price table (model_ratio and completion_ratio, or USD per million prompt and completion"
              + " tokens, per model; ratio per group). Empty: the table in the jar, a starting point for common"
              + " models (see docs/economics.md).")
      .define(BUDGET_USD_PER_HOUR, Type.DOUBLE, 0.0, Range.atLeast(0.0), Importance.MEDIUM,
          "Spend cap per UTC clock hour in USD; when reached, consumption pauses until the next hour."
              + " 0: no cap.")
      .define(BUDGET_USD_PER_DAY, Type.DOUBLE, 0.0, Range.atLeast(0.0), Importance.MEDIUM,
          "Spend cap per UTC day in USD; when reached, consumption pauses until the next day. 0: no cap.")
      .define(BUDGET_QUOTA_PER_HOUR, Type.LONG, 0L, Range.atLeast(0L), Importance.LOW,
          "Spend cap per UTC clock hour in quota; where a USD cap is set too, the smaller one holds. 0: no cap.")
      .define(BUDGET_QUOTA_PER_DAY, Type.LONG, 0L, Range.atLeast(0L), Importance.LOW,
          "Spend cap per UTC day in quota; where a USD cap is set too, the smaller one holds. 0: no cap.")
      .define(BUDGET_CALLER_USD_PER_HOUR, Type.STRING, "", Importance.MEDIUM,
          "Spend caps per caller (named by " + "request.caller.header" + ") per UTC clock hour, in USD, over every"
              + " route: 'svc-a=2; svc-b=10; *=1', where '*' is one cap shared by every caller not named (and"
              + " requests naming none). A caller over its cap is answered budget_exceeded at once; others flow."
              + " Empty (the default): none.")
      .define(BUDGET_CALLER_USD_PER_DAY, Type.STRING, "", Importance.MEDIUM,
          "Spend caps per caller per UTC day, in USD, written as " + "budget.caller.usd.per.hour" + " is.")
      .define(BUDGET_MODEL_USD_PER_HOUR, Type.STRING, "", Importance.MEDIUM,
          "Spend caps per model per UTC clock hour, in USD, over every route and caller: 'gpt-4o=5; o3=20'"
              + " ('*': one cap shared by every model not named). A request of a model over its cap is answered"
              + " budget_exceeded at once. Empty (the default): none.")
      .define(BUDGET_MODEL_USD_PER_DAY, Type.STRING, "", Importance.MEDIUM,
          "Spend caps per model per UTC day, in USD, written as " + "budget.model.usd.per.hour" + " is.")
      .define(BUDGET_EXCEEDED_ACTION, Type.STRING, REPLY, ValidString.in(REPLY, PARK), Importance.MEDIUM,
          "What becomes of a request whose caller's or model's spend cap is reached. reply: answered"
              + " budget_exceeded at once, naming the cap and when its window reopens. park: held until the window"
              + " reopens (its deadline still ends it; past request.park.max.ms it moves to the retry topic), while"
              + " other callers' and models' requests flow.")
      .define(SHARE_ANSWERED_TOPIC, Type.STRING, "", Importance.LOW,
          "With consumer.mode=share: the worker's own topic where, in each reply's transaction, the request"
              + " record it answers is recorded (key: topic/partition/offset). Every worker reads it, so a"
              + " request handed out again after a crash is acknowledged without a second relay call. Empty"
              + " (the default): the request topic's name with '.answered' added; created at start with "
              + SHARE_ANSWERED_RETENTION_MS + " as its retention.")
      .define(SHARE_ANSWERED_RETENTION_MS, Type.LONG, 86_400_000L, Range.atLeast(60_000L), Importance.LOW,
          "How long the answered records are kept, and so how late a request delivered again is still known"
              + " as answered (a request handed out again later is answered again, relay call included). Each"
              + " worker reads what is kept at start.")
      .define(BUDGET_LEDGER_TOPIC, Type.STRING, "", Importance.LOW,
          "Compacted topic of the worker's own where, while any spend cap is set, the spend of every answer"
              + " is recorded (running totals per route, UTC hour and request partition, in the replies'"
              + " transaction under exactly-once) and read back at start and after every rebalance, so that"
              + " the caps hold for all the workers of the group together and across restarts. Empty (the"
              + " default): the request topic's name with '.spend' added.")
      .define(RELAY_MAX_CONCURRENT_CALLS, Type.INT, 256, Range.between(1, 100_000), Importance.MEDIUM,
          "Most relay calls open at once; further calls wait for a free slot without holding a thread.")
      .define(RELAY_RETRY_MAX_ATTEMPTS, Type.INT, 3, Range.between(1, 100), Importance.MEDIUM,
          "Most attempts per request, the first included (3 = the OpenAI SDKs' 2 retries).")
      .define(RELAY_RETRY_INITIAL_BACKOFF_MS, Type.INT, 500, Range.between(1, 600_000), Importance.LOW,
          "Wait before the first retry; doubles on each further retry, minus up to 25% jitter.")
      .define(RELAY_RETRY_MAX_BACKOFF_MS, Type.INT, 8_000, Range.between(1, 600_000), Importance.LOW,
          "Longest computed wait between attempts.")
      .define(RELAY_RETRY_AFTER_MAX_MS, Type.INT, 120_000, Range.between(0, 3_600_000), Importance.LOW,
          "Longest wait taken from a relay's retry-after-ms or Retry-After header; longer asks are"
              + " cut to this.")
      .define(RELAY_CIRCUIT_FAILURE_RATE, Type.INT, 50, Range.between(1, 100), Importance.LOW,
          "Percentage of transient failures in the window at which the circuit opens.")
      .define(RELAY_CIRCUIT_MINIMUM_CALLS, Type.INT, 20, Range.between(1, 100_000), Importance.LOW,
          "Calls the window must hold before the failure rate counts.")
      .define(RELAY_CIRCUIT_WINDOW_SECONDS, Type.INT, 10, Range.between(1, 3_600), Importance.LOW,
          "Length of the sliding time window the failure rate is measured over.")
      .define(RELAY_CIRCUIT_OPEN_MS, Type.INT, 5_000, Range.between(1, 3_600_000), Importance.LOW,
          "How long the circuit stays open before a few trial calls are let through.")
      .define(RELAY_CIRCUIT_HALF_OPEN_CALLS, Type.INT, 5, Range.between(1, 1_000), Importance.LOW,
          "Trial calls let through while half-open; the circuit closes if they succeed.");

  /** The default declared for {@code key}, parsed to the setting's type; for constants that mirror it. */
  @SuppressWarnings("unchecked")
  public static <T> T defaultValue(String key) {
    return (T) DEFINITION.configKeys().get(key).defaultValue;
  }

  /** The default of an integer setting in milliseconds, as a duration. */
  public static Duration defaultMillis(String key) {
    return Duration.ofMillis(WorkerConfig.<Integer>defaultValue(key));
  }

  /** The route these settings are of, or null for the top level. */
  private final String route;

  public WorkerConfig(Map<?, ?> values) {
    this(values, null);
  }

  private WorkerConfig(Map<?, ?> values, String route) {
    super(DEFINITION, values, false);
    this.route = route;
    KafkaClientSettings.rejectUnknown(kafkaClientProperties());
    if (route == null) {
      RouteSettings.check(this, originals()); // A route's view is made of checked settings.
    }
  }

  /**
   * Settings for the Kafka clients: every {@code kafka.}-prefixed setting, prefix removed
   * ({@code kafka.bootstrap.servers} becomes {@code bootstrap.servers}).
   */
  public Map<String, Object> kafkaClientProperties() {
    return originalsWithPrefix(ConfigLoader.KAFKA_PREFIX);
  }

  /** Whether the workers form a share group ({@code consumer.mode=share}) rather than a consumer group. */
  public boolean shareMode() {
    return SHARE.equals(getString(CONSUMER_MODE));
  }

  /** {@code share.answered.topic}, or the request topic's name with {@code .answered} added when it is empty. */
  public String answeredTopic() {
    String named = getString(SHARE_ANSWERED_TOPIC);
    return named.isBlank() ? getString(REQUEST_TOPIC) + ".answered" : named;
  }

  /**
   * The topic the chunk records of answers streamed to {@code replyTopic} go to: {@code stream.topic},
   * or {@code replyTopic} with {@code .stream} added when that is empty.
   */
  public String streamTopicFor(String replyTopic) {
    String named = getString(STREAM_TOPIC);
    return named.isBlank() ? replyTopic + ".stream" : named;
  }

  /**
   * Whether any spend cap is set (a route's, a caller's or a model's): then answers reserve their
   * worst case and the spend ledger is kept.
   */
  public boolean spendCapped() {
    boolean scoped = List.of(BUDGET_CALLER_USD_PER_HOUR, BUDGET_CALLER_USD_PER_DAY, BUDGET_MODEL_USD_PER_HOUR,
        BUDGET_MODEL_USD_PER_DAY).stream().anyMatch(name -> !getString(name).isBlank());
    return scoped || routeNames().stream().map(this::forRoute).anyMatch(route ->
        route.getDouble(BUDGET_USD_PER_HOUR) > 0 || route.getDouble(BUDGET_USD_PER_DAY) > 0
            || route.getLong(BUDGET_QUOTA_PER_HOUR) > 0 || route.getLong(BUDGET_QUOTA_PER_DAY) > 0);
  }

  /** The relay routes' names in the order of {@link #ROUTES}; {@code default} alone when it is empty. */
  public List<String> routeNames() {
    return RouteSettings.names(this);
  }

  /**
   * The settings of route {@code name}: its {@code route.<name>.*} values over the top-level ones
   * (the top level itself for the {@code default} route of an empty {@link #ROUTES}).
   */
  public WorkerConfig forRoute(String name) {
    if (!routeNames().contains(name)) {
      throw new IllegalArgumentException("no route '" + name + "' in " + routeNames());
    }
    return getList(ROUTES).isEmpty() ? this : new WorkerConfig(RouteSettings.overlay(originals(), name), name);
  }

  /** The route these settings are of: its name, or {@code default} for the top level. */
  public String route() {
    return route == null ? RouteSettings.DEFAULT_ROUTE : route;
  }

  /** {@code setting} as the user sets it for these settings' route ({@code route.cheap.base.url}). */
  public String nameOf(String setting) {
    return route == null ? setting : RouteSettings.nameFor(route, setting);
  }

  /**
   * The relay key: {@link #RELAY_API_KEY} (which {@link ConfigLoader} fills from the variable
   * {@link #RELAY_API_KEY_ENV} names), else the content of {@link #RELAY_API_KEY_FILE}. Call
   * {@link Password#value()} only where the HTTP header is built.
   *
   * @throws ConfigException naming the settings when none gives a key or the file cannot be read;
   *     never quoting the key
   */
  public Password relayApiKey() {
    Password key = getPassword(RELAY_API_KEY);
    if (key != null) {
      return key;
    }
    String file = getString(RELAY_API_KEY_FILE);
    if (file.isBlank()) {
      throw new ConfigException("Missing relay key: set " + nameOf(RELAY_API_KEY) + ", " + nameOf(RELAY_API_KEY_FILE)
          + " or " + nameOf(RELAY_API_KEY_ENV));
    }
    try {
      String value = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
      ConfigValidators.requireHeaderSafe(nameOf(RELAY_API_KEY_FILE) + " (" + file + ")", value);
      return new Password(value);
    } catch (IOException | InvalidPathException e) {
      throw new ConfigException("Cannot read the relay key from " + nameOf(RELAY_API_KEY_FILE) + " " + file + ": "
          + e.getClass().getSimpleName());
    }
  }

  /**
   * The file the relay key is read from, when it comes from one ({@link #RELAY_API_KEY_FILE} set
   * and {@link #RELAY_API_KEY} not): the relay client reads it again when it changes.
   */
  public Optional<Path> relayApiKeyFile() {
    String file = getString(RELAY_API_KEY_FILE);
    if (getPassword(RELAY_API_KEY) != null || file.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Path.of(file));
    } catch (InvalidPathException e) {
      throw new ConfigException("Cannot read the relay key from " + nameOf(RELAY_API_KEY_FILE) + " " + file + ": "
          + e.getClass().getSimpleName());
    }
  }

  /** The relay's base URL. @throws ConfigException naming the setting when it is not set */
  public String relayBaseUrl() {
    String url = getString(RELAY_BASE_URL);
    if (url.isBlank()) {
      throw new ConfigException("Missing required configuration \"" + nameOf(RELAY_BASE_URL)
          + "\", the relay's base URL" + (route == null ? "" : " (or " + RELAY_BASE_URL + " for every route)"));
    }
    return url;
  }
}
