package dev.relayworker.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.RequestParser;
import dev.relayworker.protocol.RequestRules;
import dev.relayworker.relay.HttpRelayClient;
import dev.relayworker.relay.RelayEndpoint;
import dev.relayworker.resilience.RelayPolicy;
import dev.relayworker.resilience.ResilientRelay;
import dev.relayworker.resilience.TimeSource;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker instance: checks the topics, then runs a {@link PollLoop} on its own
 * {@code poll-loop} thread, calling the relay through a {@link ResilientRelay} and publishing
 * under the configured {@code delivery.guarantee}. Run as many as the request topic has
 * partitions.
 *
 * <p>Threads: {@link #start} and {@link #close} from any one thread. {@link #close} is the
 * graceful stop: no new requests, those in flight finished (up to {@code shutdown.timeout.ms}),
 * replies published, offsets committed. If the loop dies ({@link #failure()}), the worker has
 * stopped replying and the process should exit non-zero.
 */
public final class Worker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  private final PollLoop loop;
  private final Thread thread;
  private final ResilientRelay relay;
  private final Duration shutdownTimeout;
  private volatile Throwable failure;

  private Worker(WorkerConfig config) {
    String clientId = KafkaClients.newClientId();
    WorkerSettings settings = WorkerSettings.from(config);
    Clock clock = Clock.systemUTC();
    this.shutdownTimeout = settings.shutdownTimeout();
    this.relay = new ResilientRelay(
        new HttpRelayClient(RelayEndpoint.from(config), new ObjectMapper(), clock),
        RelayPolicy.from(config), TimeSource.SYSTEM, new LoggingRelayListener());
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KafkaClients.consumer(config, clientId));
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.exactlyOnce()
        ? KafkaClients.transactionalProducer(config, clientId) : KafkaClients.producer(config, clientId));
    // Leaders of the reply topics known before the first reply needs them.
    producer.partitionsFor(settings.replyTopic());
    producer.partitionsFor(settings.dlqTopic());
    ReplyRecords replies = new ReplyRecords(settings.dlqTopic());
    PollLoop.DeliveryFactory delivery = settings.exactlyOnce()
        ? (mailbox, ledgers, rewind) -> new TransactionalDelivery(producer, ledgers, consumer,
            settings.commitInterval(), clock, rewind)
        : (mailbox, ledgers, rewind) -> new AckedDelivery(new ReplyPublisher(producer), mailbox, ledgers, consumer,
            replies, settings, clock);
    this.loop = new PollLoop(consumer, relay, new RequestParser(RequestRules.from(config)), replies,
        new ReplyRoutes(settings.replyTopic(), producer::partitionsFor, clock), settings, clock, delivery);
    this.thread = new Thread(this::runLoop, "poll-loop");
  }

  /** Checks or creates the topics, then starts consuming. Fails fast on a bad configuration. */
  public static Worker start(WorkerConfig config) {
    try (Admin admin = Admin.create(KafkaClients.admin(config))) {
      TopicSetup.ensure(admin, config);
    }
    Worker worker = new Worker(config);
    worker.thread.start();
    log.info("worker started: {} -> {} ({}, relay {})", config.getString(WorkerConfig.REQUEST_TOPIC),
        config.getString(WorkerConfig.REPLY_TOPIC), config.getString(WorkerConfig.DELIVERY_GUARANTEE),
        RelayEndpoint.from(config).baseUri());
    return worker;
  }

  private void runLoop() {
    try {
      loop.run();
    } catch (Throwable e) {
      failure = e;
      log.error("poll loop failed; this worker stops replying and exits", e);
    }
  }

  /** True while the poll loop runs. */
  public boolean isRunning() {
    return thread.isAlive();
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
    loop.stop();
    try {
      thread.join(shutdownTimeout.plusSeconds(30).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    relay.close();
    log.info("worker stopped");
  }
}
