package dev.relayworker.pipeline;

import dev.relayworker.config.KafkaClients;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.embeddings.BatchLimits;
import dev.relayworker.embeddings.EmbeddingBatcher;
import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.ops.OpsServer;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.RequestParser;
import dev.relayworker.protocol.RequestRules;
import dev.relayworker.resilience.LoggingRelayListener;
import dev.relayworker.resilience.MonotonicClock;
import dev.relayworker.resilience.RelayCallListener;
import dev.relayworker.resilience.ResilientRelay;
import dev.relayworker.routing.RelayRoutes;
import dev.relayworker.routing.RouteMonitor;
import dev.relayworker.routing.RoutedRelay;
import dev.relayworker.spend.SpendLedger;
import dev.relayworker.spend.SpendTally;
import dev.relayworker.streaming.ChunkPublisher;
import dev.relayworker.tracing.Tracing;
import dev.relayworker.tracing.TracingSetup;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker instance: checks the topics, then runs a {@link PollLoop} on its own
 * {@code poll-loop} thread, calling the relay through its routes ({@link RelayRoutes}) and publishing
 * under the configured {@code delivery.guarantee}. Run as many as the request topic has
 * partitions.
 *
 * <p>Threads: {@link #start} and {@link #close} from any one thread. {@link #close} is the
 * graceful stop: no new requests, those in flight finished (up to {@code shutdown.timeout.ms}),
 * replies published, offsets committed. If the loop dies ({@link #failure()}), the worker has
 * stopped replying and the process should exit non-zero.
 *
 * <p>Observability: its meters ({@link WorkerMetrics}) and health checks are served by an
 * {@link OpsServer} on {@code admin.port} unless that is -1.
 */
public final class Worker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  /** How often a share-mode worker asks the broker for its group's members and lag. */
  private static final long SHARE_WATCH_SECONDS = 5;

  private final RequestLoop loop;
  private final Thread thread;
  private final RoutedRelay relay;
  private final ScheduledExecutorService batchTimer = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "embeddings-linger");
    thread.setDaemon(true);
    return thread;
  });
  /** Asks the broker about the share group (consumer.mode=share): Admin calls that may block, kept off other timers. */
  private final ScheduledExecutorService shareWatch = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "share-group-watch");
    thread.setDaemon(true);
    return thread;
  });
  private final Duration shutdownTimeout;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final WorkerMetrics metrics = new WorkerMetrics(registry);
  private final KafkaClientMetrics consumerMetrics;
  private final Producers producers;
  private final ChunkPublisher chunks;
  private final ReplyTopics topics;
  private final Tracing tracing;
  private final Admin admin;
  private final WorkerHealth health;
  private OpsServer opsServer;
  private volatile Throwable failure;
  private volatile boolean stopping;

  private Worker(WorkerConfig config, Admin admin, TracingSetup.Built traces) {
    String clientId = KafkaClients.newClientId();
    this.tracing = traces.tracing();
    metrics.bindTraceSpans(traces.counts()::exported, traces.counts()::dropped, traces.counts()::failed);
    WorkerSettings settings = WorkerSettings.from(config);
    warnIfSlotsWillIdle(settings.intake(), WorkerSettings.relaySlots(config));
    // Spans (pacing, pauses, probes, deadlines taken) on a clock no one can set; wall time where it must match others'.
    Clock wall = Clock.systemUTC();
    Clock clock = MonotonicClock.system();
    this.shutdownTimeout = settings.shutdownTimeout();
    this.admin = admin;
    this.relay = RelayRoutes.open(config, clock, wall, new MeteredRoutes());
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    boolean share = config.shareMode();
    Map<String, Object> consumerProperties = share
        // A share poll returns the renewed records with the new ones, answered ones until they are
        // accepted among them: room for the in-flight cap twice. It bounds what a worker holds.
        ? KafkaClients.shareConsumer(config, clientId, 2 * settings.intake().maxInFlight())
        : KafkaClients.consumer(config, clientId, settings.intake().maxPollRecords());
    DeliveryProgress progress = new DeliveryProgress();
    metrics.bindDeliveryWait(progress::waitingSinceMillis, clock::millis);
    // A loop that has not polled for this long has been dropped from the group by the consumer itself
    // (Kafka's own declaration gives the default when the operator set none).
    // (A share consumer's own settings are left out: the plain declaration refuses them.)
    Map<String, Object> declared = new HashMap<>(consumerProperties);
    declared.keySet().removeIf(name -> name.startsWith("share."));
    Duration maxPollInterval = Duration.ofMillis(new ConsumerConfig(declared)
        .getInt(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG));
    this.health = new WorkerHealth(new LoopView(), metrics, relay::availability, clock, maxPollInterval, progress,
        Duration.ofMillis(config.getInt(WorkerConfig.HEALTH_DELIVERY_STALL_MS)));
    // A share group's replies are always transactional: each is committed with the record of its answer.
    Map<String, Object> producerProperties = settings.exactlyOnce() || share
        ? KafkaClients.transactionalProducer(config, clientId) : KafkaClients.producer(config, clientId);
    String spendTopic = WorkerSettings.spendLedgerTopic(config);
    List<String> ownTopics = new ArrayList<>(List.of(settings.replyTopic(), settings.dlqTopic(), settings.retryTopic()));
    if (share) {
      ownTopics.add(config.answeredTopic());
    }
    SpendLedger spendLedger = null;
    SpendTally spend = SpendTally.none();
    if (spendTopic != null) {
      ownTopics.add(spendTopic);
      spendLedger = new SpendLedger(new KafkaConsumer<>(KafkaClients.reader(config, clientId + "-spend-ledger")),
          spendTopic, wall);
      spend = new SpendTally(spendTopic, spendLedger::recorded, wall);
    }
    this.producers = new Producers(producerProperties, ownTopics);
    ProducerConfig producerConfig = new ProducerConfig(producerProperties);
    this.topics = new ReplyTopics(new AdminTopicLookup(admin),
        (int) Math.min(producerConfig.getInt(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
            producerConfig.getLong(ProducerConfig.BUFFER_MEMORY_CONFIG)),
        producerConfig.getString(ProducerConfig.COMPRESSION_TYPE_CONFIG), clock);
    topics.pin(List.of(settings.replyTopic(), settings.dlqTopic(), settings.retryTopic()));
    ReplyRecords replies = new ReplyRecords(settings.dlqTopic());
    Fallbacks fallbacks = new Fallbacks(replies, settings.replyTopic(), () -> topics.maxRecordBytes(settings.dlqTopic()));
    ReplyRouter router = new ReplyRouter(topics, fallbacks, metrics,
        config::streamTopicFor);
    SpendTally spendTally = spend;
    AnsweredRecords answered = share ? new AnsweredRecords(config.answeredTopic()) : null;
    KafkaConsumer<byte[], byte[]> consumer = share ? null : new KafkaConsumer<>(consumerProperties);
    PollLoop.DeliveryFactory delivery = settings.exactlyOnce() || share
        ? (mailbox, ledgers) -> new TransactionalDelivery(producers::create, ledgers, consumer, router,
            settings.commitInterval(), clock, metrics, progress, spendTally, answered)
        : (mailbox, ledgers) -> new AckedDelivery(new ReplyPublisher(producers.create()), mailbox, ledgers, consumer,
            router, settings.commitInterval(), clock, progress, spendTally);
    // Embeddings requests share relay calls; everything else passes through the batcher untouched.
    EmbeddingBatcher calls = new EmbeddingBatcher(relay, BatchLimits.from(config), clock,
        (task, delay) -> batchTimer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS),
        metrics.embeddingsListener());
    // Chunks of streamed answers go outside the replies' transactions, so readers see them as they are written.
    this.chunks = new ChunkPublisher(new KafkaProducer<>(KafkaClients.chunkProducer(config, clientId)),
        Duration.ofMillis(config.getInt(WorkerConfig.STREAM_CHUNK_LINGER_MS)),
        config.getInt(WorkerConfig.STREAM_CHUNK_MAX_CHARS), metrics.streamListener());
    RequestParser parser = new RequestParser(RequestRules.from(config));
    if (share) {
      log.info("consumer.mode=share: share group {} on {}; replies are committed with the record of each answer in"
          + " {}", config.getString(WorkerConfig.GROUP_ID), settings.requestTopic(), answered.topic());
      int deliveryLimit = ShareGroupSetup.prepare(admin, config.getString(WorkerConfig.GROUP_ID));
      AnsweredIndex index = new AnsweredIndex(new KafkaConsumer<>(KafkaClients.reader(config, clientId + "-answered")),
          answered.topic(), clock);
      this.consumerMetrics = null;
      index.start();
      ShareGroupWatch watch = new ShareGroupWatch(admin, config.getString(WorkerConfig.GROUP_ID));
      shareWatch.scheduleWithFixedDelay(watch, 0, SHARE_WATCH_SECONDS, TimeUnit.SECONDS);
      this.loop = new ShareLoop(new KafkaShareConsumer<>(consumerProperties), calls, parser, replies, router, settings,
          clock, wall, delivery, index, deliveryLimit, watch, metrics, spendLedger, chunks, tracing);
    } else {
      // The clients' own metrics (fetch lag, request latency, send errors), read from their metric
      // registries on Micrometer's thread: Kafka metrics are thread-safe, the clients are not touched.
      this.consumerMetrics = new KafkaClientMetrics(consumer);
      consumerMetrics.bindTo(registry);
      this.loop = new PollLoop(consumer, calls, parser, replies, router, settings, clock, wall, delivery, metrics,
          spendLedger, chunks, tracing);
    }
    this.thread = new Thread(this::runLoop, "poll-loop");
  }

  /**
   * Checks or creates the topics, then starts consuming, traced as {@code tracing.enabled} and the
   * {@code OTEL_*} variables say ({@link TracingSetup}). Fails fast on a bad configuration.
   */
  public static Worker start(WorkerConfig config) {
    Map<String, String> system = new HashMap<>();
    System.getProperties().forEach((name, value) -> system.put(String.valueOf(name), String.valueOf(value)));
    return start(config, TracingSetup.from(config, System.getenv(), system));
  }

  /** Starts as {@link #start(WorkerConfig)}, its requests' spans begun by {@code tracing}. */
  public static Worker start(WorkerConfig config, Tracing tracing) {
    return start(config, new TracingSetup.Built(tracing, TracingSetup.SpanCounts.NONE));
  }

  private static Worker start(WorkerConfig config, TracingSetup.Built traces) {
    Admin admin = Admin.create(KafkaClients.admin(config));
    Worker worker;
    try {
      TopicSetup.ensure(admin, config);
      worker = new Worker(config, admin, traces);
    } catch (RuntimeException e) {
      admin.close(Duration.ofSeconds(5));
      traces.tracing().close();
      throw e;
    }
    worker.thread.start();
    int port = config.getInt(WorkerConfig.ADMIN_PORT);
    if (port >= 0) {
      String address = config.getString(WorkerConfig.ADMIN_BIND_ADDRESS);
      try {
        worker.opsServer = OpsServer.start(address, port, worker.registry, worker.health::liveness,
            worker.health::readiness);
      } catch (IOException | RuntimeException e) {
        worker.close();
        throw new UncheckedIOException("cannot serve metrics and health on " + WorkerConfig.ADMIN_BIND_ADDRESS + " "
            + address + ", " + WorkerConfig.ADMIN_PORT + " " + port,
            e instanceof IOException io ? io : new IOException(e.toString(), e));
      }
      log.info("metrics on http://{}:{}/metrics, health on /health/live and /health/ready", address,
          worker.opsServer.port());
    }
    log.info("worker started: {} -> {} ({}, relay routes {})", config.getString(WorkerConfig.REQUEST_TOPIC),
        config.getString(WorkerConfig.REPLY_TOPIC), config.getString(WorkerConfig.DELIVERY_GUARANTEE),
        config.routeNames());
    return worker;
  }

  private static void warnIfSlotsWillIdle(IntakeLimits intake, int relaySlots) {
    if (!intake.keepsSlotsFull(relaySlots)) {
      log.warn("{}={} leaves no requests waiting for the relay's {} slots ({}) once intake pauses, so some"
          + " slots idle until the next poll; leave {} unset (0) to size it from the slots",
          WorkerConfig.MAX_IN_FLIGHT, intake.maxInFlight(), relaySlots, WorkerConfig.RELAY_MAX_CONCURRENT_CALLS,
          WorkerConfig.MAX_IN_FLIGHT);
    }
  }

  private void runLoop() {
    try {
      loop.run();
    } catch (Throwable e) {
      failure = e;
      log.error("poll loop failed; this worker stops replying and exits", e);
    }
  }

  /** The ops endpoint's port ({@code admin.port}), or -1 when it is off. */
  public int opsPort() {
    return opsServer == null ? -1 : opsServer.port();
  }

  /** Why the poll loop died, or null if it did not. */
  public Throwable failure() {
    return failure;
  }

  /** Waits until the poll loop ends (after {@link #close} or a failure). */
  public void awaitTermination() throws InterruptedException {
    thread.join();
  }

  @Override
  public void close() {
    stopping = true;
    loop.stop();
    try {
      thread.join(shutdownTimeout.plusSeconds(30).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    batchTimer.shutdownNow();
    shareWatch.shutdownNow();
    relay.close();
    chunks.close();
    topics.close();
    admin.close(Duration.ofSeconds(5));
    if (consumerMetrics != null) {
      consumerMetrics.close();
    }
    producers.close();
    // After the loop: every span it ended is queued; what the exporter can send in time goes.
    tracing.close();
    if (opsServer != null) {
      opsServer.close();
    }
    log.info("worker stopped");
  }

  /**
   * Makes the worker's producers, each with the same settings (so a rebuilt transactional
   * producer has the same transactional ID), and keeps the Kafka client metrics bound to the
   * current one. Called on the poll thread; {@link #close} from the closing thread after the loop ended.
   */
  private final class Producers implements AutoCloseable {
    private final Map<String, Object> properties;
    private final List<String> ownTopics;
    private KafkaClientMetrics bound;

    Producers(Map<String, Object> properties, List<String> ownTopics) {
      this.properties = properties;
      this.ownTopics = ownTopics;
    }

    synchronized Producer<byte[], byte[]> create() {
      KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties);
      // Leaders of the worker's own topics known before the first reply needs them.
      ownTopics.forEach(producer::partitionsFor);
      close();
      bound = new KafkaClientMetrics(producer);
      bound.bindTo(registry);
      return producer;
    }

    @Override
    public synchronized void close() {
      if (bound != null) {
        bound.close();
        bound = null;
      }
    }
  }

  /** Each route's decisions logged and counted; its gauges bound. */
  private final class MeteredRoutes implements RouteMonitor {
    @Override
    public RelayCallListener listenerFor(String route) {
      return RelayCallListener.all(new LoggingRelayListener(route), metrics.relayListener(route));
    }

    @Override
    public void opened(String route, ResilientRelay relay) {
      metrics.bind(route, relay);
    }
  }

  /** The poll loop as health checks see it. */
  private final class LoopView implements WorkerHealth.Loop {
    @Override
    public boolean running() {
      return thread.isAlive();
    }

    @Override
    public Throwable failure() {
      return failure;
    }

    @Override
    public boolean stopping() {
      return stopping;
    }
  }
}
