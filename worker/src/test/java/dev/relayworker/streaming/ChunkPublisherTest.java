package dev.relayworker.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.relay.StreamAssembler.Delta;
import dev.relayworker.resilience.ChunkStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Coalescing and attempts, on a moved clock and a timer run by hand; Kafka's own
 * {@link MockProducer} stands for the producer, since what is tested is which records are made,
 * not how a broker keeps them.
 */
class ChunkPublisherTest {

  private static final Duration LINGER = Duration.ofMillis(50);
  private final ObjectMapper json = new ObjectMapper();
  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final ManualTimer timer = new ManualTimer();
  private final List<Duration> firstChunks = new ArrayList<>();
  private final List<Integer> completed = new ArrayList<>();
  private final ChunkPublisher publisher = new ChunkPublisher(producer, LINGER, 10, () -> timer.now, new Counting(),
      timer);
  private final ChunkStream stream = publisher.open("req-1", bytes("key-1"), "replies.stream",
      new ReplyAddress("replies", null, Map.of(ProtocolHeaders.SPRING_CORRELATION_ID, bytes("corr"))));

  @Test
  void theFirstTextGoesAtOnceAndLaterTextWaitsForTheLingerAfterThePreviousChunk() throws Exception {
    timer.advance(Duration.ofMillis(7));
    ChunkStream.Attempt attempt = stream.attempt();
    attempt.delta(new Delta(0, "Hel"));
    timer.runDue();
    assertThat(texts()).containsExactly("Hel");
    assertThat(firstChunks).containsExactly(Duration.ofMillis(7));

    timer.advance(Duration.ofMillis(20));
    attempt.delta(new Delta(0, "lo"));
    attempt.delta(new Delta(0, " wo"));
    timer.runDue();
    assertThat(texts()).containsExactly("Hel"); // 20 ms after the first chunk: it waits

    timer.advance(Duration.ofMillis(30));
    timer.runDue();
    assertThat(texts()).containsExactly("Hel", "lo wo");
    assertThat(firstChunks).hasSize(1);
  }

  @Test
  void enoughWaitingCharactersGoAtOnceAndTheEndWritesTheRestAsTheLastChunk() throws Exception {
    ChunkStream.Attempt attempt = stream.attempt();
    attempt.delta(new Delta(0, "a"));
    timer.runDue();
    attempt.delta(new Delta(0, "0123456789"));
    timer.runDue();
    attempt.delta(new Delta(1, "b"));
    attempt.ended(true);
    timer.runDue();
    timer.advance(LINGER);
    timer.runDue();

    assertThat(producer.history()).hasSize(3);
    List<JsonNode> values = values();
    assertThat(values).extracting(value -> value.path("index").asInt()).containsExactly(0, 1, 2);
    assertThat(values).extracting(value -> value.path("last").asBoolean()).containsExactly(false, false, true);
    assertThat(values.get(2).path("choices").get(0).path("index").asInt()).isEqualTo(1);
    assertThat(texts()).containsExactly("a", "0123456789", "b");
    ProducerRecord<byte[], byte[]> last = producer.history().get(2);
    assertThat(last.topic()).isEqualTo("replies.stream");
    assertThat(new String(last.key(), StandardCharsets.UTF_8)).isEqualTo("key-1");
    assertThat(header(last, ProtocolHeaders.REQUEST_ID)).isEqualTo("req-1");
    assertThat(header(last, ProtocolHeaders.STREAM_INDEX)).isEqualTo("2");
    assertThat(header(last, ProtocolHeaders.STREAM_LAST)).isEqualTo("true");
    assertThat(header(last, ProtocolHeaders.SPRING_CORRELATION_ID)).isEqualTo("corr");
    assertThat(header(last, ProtocolHeaders.STREAM_ATTEMPT)).isEqualTo(values.get(2).path("attempt").asText())
        .matches("[0-9a-f]{16}");
    assertThat(completed).containsExactly(3);
  }

  @Test
  void aFailedAttemptDropsWhatWaitsAndTheNextAttemptStartsAgainUnderANewId() throws Exception {
    ChunkStream.Attempt broken = stream.attempt();
    broken.delta(new Delta(0, "first"));
    timer.runDue();
    broken.delta(new Delta(0, " lost"));
    broken.ended(false);
    broken.delta(new Delta(0, " late"));
    timer.advance(LINGER);
    timer.runDue();
    ChunkStream.Attempt retried = stream.attempt();
    retried.delta(new Delta(0, "again"));
    retried.ended(true);
    timer.runDue();

    List<JsonNode> values = values();
    // The retry ended before its first text was written: that text goes as its last chunk.
    assertThat(texts()).containsExactly("first", "again");
    assertThat(values).extracting(value -> value.path("index").asInt()).containsExactly(0, 0);
    assertThat(values.get(0).path("attempt").asText()).isNotEqualTo(values.get(1).path("attempt").asText());
    assertThat(values).extracting(value -> value.path("last").asBoolean()).containsExactly(false, true);
    assertThat(completed).containsExactly(1);
    assertThat(firstChunks).hasSize(1); // the request's first text, whichever attempt wrote it
  }

  @Test
  void aChunkTheProducerCannotWriteIsCountedAndTheRestStillGo() {
    MockProducer<byte[], byte[]> failing =
        new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    Counting counting = new Counting();
    ChunkPublisher withFailures = new ChunkPublisher(failing, LINGER, 10, () -> timer.now, counting, timer);
    ChunkStream.Attempt attempt = withFailures.open("r", bytes("r"), "t", new ReplyAddress("t0", null, Map.of()))
        .attempt();
    attempt.delta(new Delta(0, "x"));
    timer.runDue();
    failing.errorNext(new org.apache.kafka.common.errors.TimeoutException("no leader"));
    attempt.ended(true);
    timer.runDue();
    failing.completeNext();
    assertThat(counting.failures).isEqualTo(1);
    assertThat(counting.written).isEqualTo(1);
  }

  private List<String> texts() throws Exception {
    List<String> texts = new ArrayList<>();
    for (JsonNode value : values()) {
      StringBuilder text = new StringBuilder();
      value.path("choices").forEach(choice -> text.append(choice.path("text").asText()));
      texts.add(text.toString());
    }
    return texts;
  }

  private List<JsonNode> values() throws Exception {
    List<JsonNode> values = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> record : producer.history()) {
      JsonNode value = json.readTree(record.value());
      assertThat(value.path("object").asText()).isEqualTo("relay.stream.chunk");
      assertThat(value.path("request_id").asText()).isEqualTo("req-1");
      values.add(value);
    }
    return values;
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private final class Counting implements StreamListener {
    int written;
    int failures;

    @Override
    public void firstChunk(Duration sinceStart) {
      firstChunks.add(sinceStart);
    }

    @Override
    public void chunkWritten() {
      written++;
    }

    @Override
    public void chunkFailed() {
      failures++;
    }

    @Override
    public void streamCompleted(int chunks) {
      completed.add(chunks);
    }
  }

  /** Tasks run by hand when due, in the order they fall due (ties in the order scheduled), as one thread runs them. */
  private static final class ManualTimer implements ChunkWriter.Timer {
    private record Task(long due, long order, Runnable task) {}

    private final List<Task> tasks = new ArrayList<>();
    long now = 1_000_000_000L;
    private long scheduled;

    @Override
    public void schedule(Runnable task, long delayNanos) {
      tasks.add(new Task(now + delayNanos, scheduled++, task));
    }

    void advance(Duration by) {
      now += by.toNanos();
    }

    void runDue() {
      while (true) {
        Task next = tasks.stream().filter(task -> task.due <= now)
            .min(Comparator.comparingLong(Task::due).thenComparingLong(Task::order)).orElse(null);
        if (next == null) {
          return;
        }
        tasks.remove(next);
        next.task.run();
      }
    }
  }
}
