package dev.relayworker.tools.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.requester.ReplyReader;
import dev.relayworker.tools.Percentiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Plays the requester for {@code demo} (and benchmarks): sends requests keyed by ID, reads the
 * reply topic ({@code read_committed}, positioned at its end before the first send) and measures
 * what came back. One thread; not thread-safe.
 */
public final class LoadRun implements AutoCloseable {

  private static final int MAX_SAMPLES = 3;

  private final ObjectMapper mapper = new ObjectMapper();
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> replies;
  private final String requestTopic;
  private final Map<String, Long> sentNanos = new HashMap<>();
  private final Map<String, Long> latencyNanos = new HashMap<>();
  private final Map<String, Integer> errorsByType = new TreeMap<>();
  private final List<String> samples = new ArrayList<>();
  private long firstSend;
  private long lastReply;
  private int ok;
  private long promptTokens;
  private long completionTokens;
  private BigDecimal costUsd;
  private final Map<String, Integer> okByObject = new java.util.TreeMap<>();
  private final Map<String, LoadResult.RouteTotals> byRoute = new java.util.TreeMap<>();

  public LoadRun(Map<String, Object> kafka, String requestTopic, String replyTopic) {
    this.requestTopic = requestTopic;
    Map<String, Object> producerProps = new HashMap<>(kafka);
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    this.producer = new KafkaProducer<>(producerProps);
    this.replies = ReplyReader.openAtEnd(kafka, replyTopic, Duration.ofSeconds(30));
  }

  public void send(String requestId, byte[] body) {
    long now = System.nanoTime();
    if (sentNanos.isEmpty()) {
      firstSend = now;
    }
    sentNanos.put(requestId, now);
    producer.send(new ProducerRecord<>(requestTopic, requestId.getBytes(StandardCharsets.UTF_8), body));
  }

  /**
   * Reads replies until every sent request has one or {@code timeout} passes.
   *
   * @param progress called about once a second with the number of requests answered so far
   */
  public LoadResult await(Duration timeout, IntConsumer progress) {
    producer.flush();
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextProgress = System.nanoTime() + 1_000_000_000L;
    while (latencyNanos.size() < sentNanos.size() && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> reply : replies.poll(Duration.ofMillis(100))) {
        record(reply);
      }
      if (System.nanoTime() >= nextProgress) {
        progress.accept(latencyNanos.size());
        nextProgress += 1_000_000_000L;
      }
    }
    return result();
  }

  private void record(ConsumerRecord<byte[], byte[]> reply) {
    String id = reply.key() == null ? null : new String(reply.key(), StandardCharsets.UTF_8);
    Long sent = sentNanos.get(id);
    if (sent == null || latencyNanos.containsKey(id)) {
      return; // Not ours, or a second answer: counted once.
    }
    lastReply = System.nanoTime();
    latencyNanos.put(id, lastReply - sent);
    String status = ProtocolHeaders.text(reply, ProtocolHeaders.STATUS);
    JsonNode body = parse(reply.value());
    if (ProtocolHeaders.STATUS_OK.equals(status)) {
      ok++;
      okByObject.merge(body.path("object").asText("?"), 1, Integer::sum);
      promptTokens += body.at("/usage/prompt_tokens").asLong();
      completionTokens += body.at("/usage/completion_tokens").asLong();
      String cost = ProtocolHeaders.text(reply, ProtocolHeaders.COST_USD);
      if (cost != null) {
        costUsd = (costUsd == null ? BigDecimal.ZERO : costUsd).add(new BigDecimal(cost));
      }
      String route = java.util.Objects.requireNonNullElse(ProtocolHeaders.text(reply, ProtocolHeaders.RELAY_ROUTE), "?");
      byRoute.merge(route, new LoadResult.RouteTotals(1, cost == null ? BigDecimal.ZERO : new BigDecimal(cost)),
          LoadResult.RouteTotals::plus);
      if (samples.size() < MAX_SAMPLES) {
        samples.add(id + "  ok  route=" + route + "  attempts=" + ProtocolHeaders.text(reply, ProtocolHeaders.ATTEMPTS) + "  text=\""
            + text(body) + "\"  usage="
            + body.at("/usage/prompt_tokens").asLong() + "+" + body.at("/usage/completion_tokens").asLong()
            + (cost == null ? "" : "  cost=" + cost + " USD"));
      }
    } else {
      errorsByType.merge(String.valueOf(ProtocolHeaders.text(reply, ProtocolHeaders.ERROR_TYPE)), 1, Integer::sum);
    }
  }

  /** The first choice's text: a completion's {@code text}, or a chat answer's message content. */
  private static String text(JsonNode answer) {
    JsonNode choice = answer.at("/choices/0");
    return (choice.has("message") ? choice.at("/message/content") : choice.path("text")).asText().strip();
  }

  private LoadResult result() {
    double[] latencies = latencyNanos.values().stream().mapToDouble(Long::doubleValue).sorted().toArray();
    Duration elapsed = latencies.length == 0 ? Duration.ZERO : Duration.ofNanos(lastReply - firstSend);
    return new LoadResult(sentNanos.size(), latencyNanos.size(), ok, Map.copyOf(errorsByType), promptTokens,
        completionTokens, costUsd, Map.copyOf(okByObject), Map.copyOf(byRoute), elapsed, percentile(latencies, 50), percentile(latencies, 95), percentile(latencies, 99),
        List.copyOf(samples));
  }

  private static Duration percentile(double[] sortedNanos, int percent) {
    return sortedNanos.length == 0 ? Duration.ZERO : Duration.ofNanos((long) Percentiles.of(sortedNanos, percent));
  }

  private JsonNode parse(byte[] value) {
    try {
      return value == null ? mapper.createObjectNode() : mapper.readTree(value);
    } catch (IOException e) {
      return mapper.createObjectNode();
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    replies.close(Duration.ofSeconds(5));
  }

}
