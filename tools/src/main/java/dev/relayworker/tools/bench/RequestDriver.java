package dev.relayworker.tools.bench;

import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.requester.ReplyReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The load side of a benchmark phase: sends {@code n} requests keyed {@code <phase>-<i>} (all at
 * once, or at a fixed rate from a second thread) and reads their replies ({@code read_committed},
 * positioned at the end of the reply topic before the first send). Arrays indexed by request
 * number keep a 200,000-request phase cheap.
 */
final class RequestDriver implements AutoCloseable {

  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String requestTopic;
  private final int maxTokens;
  private final boolean embeddings;
  private final boolean paced;
  private final boolean stream;
  /** Reads the stream topic when the requests are streamed; null otherwise. */
  private final KafkaConsumer<byte[], byte[]> chunks;

  /** @param maxTokens each request's {@code max_tokens} */
  RequestDriver(String bootstrap, String requestTopic, String replyTopic, int maxTokens) {
    this(bootstrap, requestTopic, replyTopic, maxTokens, false);
  }

  /**
   * @param maxTokens each completion request's {@code max_tokens}
   * @param embeddings whether to send embeddings requests of one to three short inputs instead
   */
  RequestDriver(String bootstrap, String requestTopic, String replyTopic, int maxTokens, boolean embeddings) {
    this(bootstrap, requestTopic, replyTopic, maxTokens, embeddings, false, false);
  }

  /**
   * @param paced whether answers are asked to be {@code maxTokens} long ({@code min_tokens})
   * @param stream whether requests ask for their answers streamed; their chunks are then read from
   *     the reply topic's {@code .stream} sibling
   */
  RequestDriver(String bootstrap, String requestTopic, String replyTopic, int maxTokens, boolean embeddings,
      boolean paced, boolean stream) {
    this.requestTopic = requestTopic;
    this.maxTokens = maxTokens;
    this.embeddings = embeddings;
    this.paced = paced;
    this.stream = stream;
    Map<String, Object> producerProps = new HashMap<>();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    producerProps.put(ProducerConfig.BATCH_SIZE_CONFIG, 131_072);
    producerProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    this.producer = new KafkaProducer<>(producerProps);
    this.consumer = ReplyReader.openAtEnd(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000), replyTopic, Duration.ofSeconds(30));
    this.chunks = stream ? ReplyReader.openAtEnd(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000), replyTopic + ".stream", Duration.ofSeconds(30)) : null;
  }

  /**
   * What one phase measured: per request, when it was sent and when its first reply was read; and
   * the tokens the relay reported in the ok replies' usage headers.
   */
  record Phase(String name, int requests, long[] sentNanos, long[] repliedNanos, int ok, int errors, long tokens,
      long[] firstChunkNanos, long chunks) {

    int answered() {
      return ok + errors;
    }

    long firstSend() {
      return Arrays.stream(sentNanos).min().orElse(0);
    }

    long lastSend() {
      return Arrays.stream(sentNanos).max().orElse(0);
    }

    long lastReply() {
      return Arrays.stream(repliedNanos).max().orElse(0);
    }

    double completionsPerSecond() {
      long span = lastReply() - firstSend();
      return span <= 0 ? 0 : answered() / (span / 1e9);
    }

    double tokensPerMinute() {
      long span = lastReply() - firstSend();
      return span <= 0 ? 0 : tokens / (span / 60e9);
    }

    /** The prompt of request {@code i}: unique per phase, so the simulator's log can be joined. */
    String prompt(int i) {
      return name + " " + i;
    }
  }

  /**
   * Runs a phase.
   *
   * @param rate requests per second, or 0 to send them all at once
   */
  Phase run(String name, int n, double rate, Duration timeout) throws InterruptedException {
    long[] sent = new long[n];
    long[] replied = new long[n];
    AtomicLong sendFailures = new AtomicLong();
    Thread sender = new Thread(() -> send(name, n, rate, sent, sendFailures), "bench-sender");
    sender.start();
    ChunkWatch watch = chunks == null ? null : new ChunkWatch(name, n);
    if (watch != null) {
      watch.start();
    }
    int ok = 0;
    int errors = 0;
    long tokens = 0;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (ok + errors < n && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> reply : consumer.poll(Duration.ofMillis(50))) {
        int index = index(name, reply.key());
        if (index < 0 || replied[index] != 0) {
          continue;
        }
        replied[index] = System.nanoTime();
        if (ProtocolHeaders.STATUS_OK.equals(ProtocolHeaders.text(reply, ProtocolHeaders.STATUS))) {
          ok++;
          tokens += number(ProtocolHeaders.text(reply, ProtocolHeaders.USAGE_PROMPT_TOKENS))
              + number(ProtocolHeaders.text(reply, ProtocolHeaders.USAGE_COMPLETION_TOKENS));
        } else {
          errors++;
        }
      }
    }
    sender.join();
    if (watch == null) {
      return new Phase(name, n, sent, replied, ok, errors, tokens, null, 0);
    }
    watch.finish(Duration.ofSeconds(1)); // A last chunk may be read a moment after its final reply.
    return new Phase(name, n, sent, replied, ok, errors, tokens, watch.first, watch.count);
  }

  /**
   * Reads the stream topic on a thread of its own while a phase runs, so the time a chunk is read
   * is not held up by the reply reader's polls: when each request's first chunk came, and how many
   * chunks there were.
   */
  private final class ChunkWatch extends Thread {
    private final String phase;
    final long[] first;
    long count;
    private volatile long stopAt = Long.MAX_VALUE;

    ChunkWatch(String phase, int n) {
      super("bench-chunks");
      this.phase = phase;
      this.first = new long[n];
    }

    @Override
    public void run() {
      while (System.nanoTime() < stopAt) {
        for (ConsumerRecord<byte[], byte[]> chunk : chunks.poll(Duration.ofMillis(20))) {
          int index = index(phase, chunk.key());
          if (index >= 0 && index < first.length) {
            count++;
            if (first[index] == 0) {
              first[index] = System.nanoTime();
            }
          }
        }
      }
    }

    /** Stops reading {@code grace} from now and waits for it: its figures are then safe to read. */
    void finish(Duration grace) throws InterruptedException {
      stopAt = System.nanoTime() + grace.toNanos();
      join();
    }
  }

  private static long number(String header) {
    return header == null ? 0 : Long.parseLong(header);
  }

  private void send(String name, int n, double rate, long[] sent, AtomicLong failures) {
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      if (rate > 0) {
        long due = start + (long) (i * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      byte[] body = body(name + " " + i, i).getBytes(StandardCharsets.UTF_8);
      sent[i] = System.nanoTime();
      producer.send(new ProducerRecord<>(requestTopic, (name + "-" + i).getBytes(StandardCharsets.UTF_8), body),
          (metadata, failure) -> {
            if (failure != null) {
              failures.incrementAndGet();
            }
          });
    }
    producer.flush();
  }

  /** Request {@code i}: a completion of {@code prompt}, or embeddings of it and up to two more chunks. */
  private String body(String prompt, int i) {
    if (!embeddings) {
      return "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"" + prompt + "\",\"max_tokens\":" + maxTokens
          + (paced ? ",\"min_tokens\":" + maxTokens : "") + (stream ? ",\"stream\":true" : "") + "}";
    }
    StringBuilder inputs = new StringBuilder("\"" + prompt + "\"");
    for (int chunk = 1; chunk <= i % 3; chunk++) {
      inputs.append(",\"chunk ").append(chunk).append(" of ").append(prompt).append('"');
    }
    return "{\"model\":\"text-embedding-3-small\",\"dimensions\":256,\"encoding_format\":\"base64\",\"input\":["
        + inputs + "]}";
  }

  private static int index(String name, byte[] key) {
    if (key == null) {
      return -1;
    }
    String text = new String(key, StandardCharsets.UTF_8);
    if (!text.startsWith(name + "-")) {
      return -1;
    }
    try {
      return Integer.parseInt(text.substring(name.length() + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    consumer.close(Duration.ofSeconds(5));
    if (chunks != null) {
      chunks.close(Duration.ofSeconds(5));
    }
  }
}
