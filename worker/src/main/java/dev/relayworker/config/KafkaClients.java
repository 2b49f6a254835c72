package dev.relayworker.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka clients' properties: the worker's defaults, then the operator's {@code kafka.*}
 * settings (each client gets only the keys it knows, so none warns about the others'), then what
 * the worker's correctness depends on, which cannot be overridden. The worker, {@code send},
 * {@code batch} and the tools build their clients from here.
 *
 * <p>Stateless; any thread.
 */
public final class KafkaClients {

  /** The producer's {@code buffer.memory} default (Kafka's constant for it is not public). */
  private static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;

  private KafkaClients() {}

  /**
   * The worker's consumer.
   *
   * @param maxPollRecords records per poll, sized by the caller from the relay's slots
   */
  public static Map<String, Object> consumer(WorkerConfig config, String clientId, int maxPollRecords) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
    // A fetch response is held whole: on a small heap, Kafka's 50 MiB default is most of it.
    props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, (int) Math.min(ConsumerConfig.DEFAULT_FETCH_MAX_BYTES,
        Math.max(1_048_576, Runtime.getRuntime().maxMemory() / 8)));
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-consumer");
    props.putAll(known(config.kafkaClientProperties(), ConsumerConfig.configNames()));
    if (!"consumer".equalsIgnoreCase(String.valueOf(props.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG)))) {
      // The classic protocol's default assignor stops every partition on each rebalance; KIP-848's
      // consumer protocol is incremental by itself and refuses this setting.
      props.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    }
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.getString(WorkerConfig.GROUP_ID));
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return props;
  }

  /**
   * A member of the share group {@code group.id} (KIP-932) for {@code consumer.mode=share}: every
   * record acknowledged one by one ({@code explicit}), and at most {@code maxPollRecords} taken per
   * poll ({@code record_limit}; the default mode takes whole batches, so one worker could hold what
   * the others would answer). Settings a share consumer refuses (offset reset, isolation, the
   * consumer group's protocol and assignor) are left out: the group's own configuration decides those.
   */
  public static Map<String, Object> shareConsumer(WorkerConfig config, String clientId, int maxPollRecords) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
    props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, (int) Math.min(ConsumerConfig.DEFAULT_FETCH_MAX_BYTES,
        Math.max(1_048_576, Runtime.getRuntime().maxMemory() / 8)));
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-consumer");
    props.putAll(known(config.kafkaClientProperties(), ConsumerConfig.configNames()));
    for (String refused : List.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        ConsumerConfig.GROUP_PROTOCOL_CONFIG, ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG)) {
      props.remove(refused);
    }
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.getString(WorkerConfig.GROUP_ID));
    props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
    props.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return props;
  }

  /**
   * A reader of the worker's own topics outside the group (the spend ledger): committed records
   * only, no group, no commits; it keeps its position itself.
   */
  public static Map<String, Object> reader(WorkerConfig config, String clientId) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    props.putAll(known(config.kafkaClientProperties(), ConsumerConfig.configNames()));
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
    props.remove(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return props;
  }

  /** An idempotent producer of byte arrays, as the worker, {@code send} and {@code batch} use. */
  public static Map<String, Object> producer(WorkerConfig config, String clientId) {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // A reply topic that does not exist must not hold the publisher for the default 60 s.
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-producer");
    props.putAll(known(config.kafkaClientProperties(), ProducerConfig.configNames()));
    // Every record is checked against its own topic's max.message.bytes before it is sent (ReplyRouter):
    // the producer's 1 MiB default would cut a dead-letter copy a 4 MiB topic could hold whole. Its
    // buffer is the only limit left.
    props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (int) Math.min(Integer.MAX_VALUE,
        Long.parseLong(String.valueOf(props.getOrDefault(ProducerConfig.BUFFER_MEMORY_CONFIG, DEFAULT_BUFFER_MEMORY)))));
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return props;
  }

  /**
   * The producer of streamed answers' chunk records: idempotent, not transactional, and giving up
   * on a chunk after 2 s rather than holding the ones behind it. It keeps the replies' 5 ms linger:
   * chunks of many streams then share produce requests (measured at 200 open streams: a third less
   * CPU per streamed answer than with none, for 3 ms more to the first chunk at the median).
   */
  public static Map<String, Object> chunkProducer(WorkerConfig config, String clientId) {
    Map<String, Object> props = producer(config, clientId + "-chunks");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
    // A few small records a batch: compressing each batch (lz4 frames, checksums) costs more than it saves.
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    return props;
  }

  /**
   * The exactly-once producer: a transactional ID of its own per worker instance. Zombie
   * instances are fenced through the consumer group metadata sent with each transaction (KIP-447),
   * so the ID need not survive restarts.
   */
  public static Map<String, Object> transactionalProducer(WorkerConfig config, String clientId) {
    Map<String, Object> props = new HashMap<>();
    // Transactions here last milliseconds. A killed instance's open one holds read_committed
    // readers back until the broker times it out: keep that short (the default is 60 s).
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
    props.putAll(producer(config, clientId));
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.getString(WorkerConfig.GROUP_ID) + "-" + clientId);
    return props;
  }

  /** An admin client, with the operator's connection and security settings. */
  public static Map<String, Object> admin(WorkerConfig config) {
    return known(config.kafkaClientProperties(), AdminClientConfig.configNames());
  }

  /**
   * An ID unique to this worker instance, shown in broker logs and metrics: its consumer and
   * producer add {@code -consumer} and {@code -producer}, so their client metrics, tagged by
   * client ID, stay apart.
   */
  public static String newClientId() {
    return "relay-worker-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static Map<String, Object> known(Map<String, Object> settings, Set<String> names) {
    Map<String, Object> kept = new HashMap<>();
    settings.forEach((key, value) -> {
      if (KafkaClientSettings.belongsTo(key, names)) {
        kept.put(key, value);
      }
    });
    return kept;
  }
}
