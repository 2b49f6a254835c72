package dev.relayworker.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relayworker.config.KafkaClients;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.requester.ReplyReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One run of {@code relay-worker batch}: sends the input file's lines that the output file does
 * not answer yet as requests through Kafka, and appends an output line for each reply as it
 * arrives (so output order is arrival order, as in OpenAI's own batches).
 *
 * <p>Resuming: request IDs are {@code batch-<run ID of the output file>-<custom_id>}
 * ({@link BatchOutput#runId}: random, kept beside the output file), so replies to requests a
 * killed run sent still count if they arrive during the next run, a request answered twice is
 * written once, and no reply meant for another output file is ever taken. The output file is
 * locked while a run writes it. Each request carries a {@code deadline_ms} of now plus the
 * completion window, so a long batch is not cut off by the worker's default request.ttl.ms.
 *
 * <p>Failure: a bad input line is reported on the status stream with its number and answered with
 * an error line (naming its custom_id when it has a usable one, else its line number); the rest
 * carries on. If no reply arrives
 * for the idle timeout (no worker running?), the run stops with the batch incomplete and a
 * re-run resumes it. Runs on the calling thread; the Kafka clients add their own.
 */
public final class BatchRun {

  /**
   * What a run did. {@code complete} when every sendable line has its output line; {@code costUsd}
   * is what the lines answered in this run cost, by their replies' cost headers.
   */
  public record Summary(int lines, int alreadyDone, int sent, int answered, int badLines, int sendFailures,
      boolean complete, BigDecimal costUsd) {}

  private static final Duration POLL = Duration.ofMillis(200);
  private static final int LINES_BETWEEN_DRAINS = 200;

  private final WorkerConfig config;
  private final Path input;
  private final Path output;
  private final PrintStream status;
  private final boolean terminal;
  private final Duration idleTimeout;
  private final Duration completionWindow;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper();
  private final OutputLines lines = new OutputLines(json);
  private final Map<String, String> pending = new HashMap<>();
  private final Queue<String> failedSends = new ConcurrentLinkedQueue<>();
  private BigDecimal costUsd = BigDecimal.ZERO;

  public BatchRun(WorkerConfig config, Path input, Path output, PrintStream status, boolean terminal,
      Duration idleTimeout, Duration completionWindow, Clock clock) {
    this.config = config;
    this.input = input;
    this.output = output;
    this.status = status;
    this.terminal = terminal;
    this.idleTimeout = idleTimeout;
    this.completionWindow = completionWindow;
    this.clock = clock;
  }

  public Summary run() throws IOException {
    int total = countLines();
    String replyTopic = config.getString(WorkerConfig.REPLY_TOPIC);
    try (BatchOutput out = BatchOutput.open(output, json, digest(input));
        KafkaConsumer<byte[], byte[]> replies = ReplyReader.openAtEnd(KafkaClients.admin(config), replyTopic, Duration.ofSeconds(60));
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(config,
            KafkaClients.newClientId()))) {
      int alreadyDone = out.doneCount();
      Progress progress = new Progress(status, terminal, System::nanoTime, total, alreadyDone);
      Sent sent = send(out, producer, replies, progress);
      producer.flush();
      int sendFailures = forgetFailedSends();
      boolean answeredAll = awaitReplies(out, replies, progress, sent);
      progress.finish(out.doneCount() + sent.unwritable);
      return new Summary(total, alreadyDone, sent.count, sent.answered, sent.bad, sendFailures,
          answeredAll && sendFailures == 0, costUsd);
    }
  }

  /** Counts and outcomes of the sending pass; replies drained meanwhile are counted in it too. */
  private static final class Sent {
    int count;
    int answered;
    int bad;
    /** Bad lines without a usable custom_id: answered by line number, not counted among custom_ids. */
    int unwritable;
  }

  private Sent send(BatchOutput out, KafkaProducer<byte[], byte[]> producer,
      KafkaConsumer<byte[], byte[]> replies, Progress progress) throws IOException {
    Sent sent = new Sent();
    Map<String, Integer> seen = new HashMap<>();
    String prefix = "batch-" + out.runId() + "-";
    byte[] deadline = Long.toString(clock.millis() + completionWindow.toMillis()).getBytes(StandardCharsets.UTF_8);
    String requestTopic = config.getString(WorkerConfig.REQUEST_TOPIC);
    try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
      int number = 0;
      for (String text = reader.readLine(); text != null; text = reader.readLine()) {
        number++;
        if (text.isBlank()) {
          continue;
        }
        BatchLine.Parsed parsed = BatchLine.parse(number, text, json);
        BatchLine.Bad bad = parsed.bad();
        if (bad == null) {
          Integer first = seen.putIfAbsent(parsed.line().customId(), number);
          if (first != null) {
            bad = new BatchLine.Bad(number, null, "custom_id \"" + parsed.line().customId() + "\" repeats line " + first);
          }
        }
        if (bad != null) {
          rejectLine(bad, out, sent);
        } else if (!out.isDone(parsed.line().customId())) {
          String requestId = prefix + parsed.line().customId();
          pending.put(requestId, parsed.line().customId());
          ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(requestTopic,
              requestId.getBytes(StandardCharsets.UTF_8), parsed.line().body());
          record.headers().add(ProtocolHeaders.DEADLINE_MS, deadline);
          record.headers().add(ProtocolHeaders.ENDPOINT, parsed.line().endpoint().path().getBytes(StandardCharsets.UTF_8));
          producer.send(record, (metadata, failure) -> {
            if (failure != null) {
              failedSends.add(requestId);
            }
          });
          sent.count++;
        }
        if (number % LINES_BETWEEN_DRAINS == 0) {
          sent.answered += drain(out, replies, Duration.ZERO);
          progress.update(out.doneCount() + sent.unwritable);
        }
      }
    }
    return sent;
  }

  private void rejectLine(BatchLine.Bad bad, BatchOutput out, Sent sent) throws IOException {
    sent.bad++;
    status.println("batch: line " + bad.number() + ": " + bad.problem()
        + (bad.customId() == null ? "" : " (custom_id \"" + bad.customId() + "\")"));
    if (bad.customId() == null) {
      sent.unwritable++;
      out.writeBadLine(bad.number(), lines.fromBadLine(bad));
    } else {
      out.write(bad.customId(), lines.fromBadLine(bad));
    }
  }

  private boolean awaitReplies(BatchOutput out, KafkaConsumer<byte[], byte[]> replies, Progress progress,
      Sent sent) throws IOException {
    long lastReply = System.nanoTime();
    while (!pending.isEmpty()) {
      int answered = drain(out, replies, POLL);
      sent.answered += answered;
      progress.update(out.doneCount() + sent.unwritable);
      if (answered > 0) {
        lastReply = System.nanoTime();
      } else if (System.nanoTime() - lastReply > idleTimeout.toNanos()) {
        status.println();
        status.println("batch: no reply for " + idleTimeout.toSeconds() + " s with " + pending.size()
            + " requests outstanding; is a worker running (bin/relay-worker run)? Run the same command again"
            + " to resume.");
        return false;
      }
    }
    return true;
  }

  /** Writes the output lines of the replies one poll returns; returns how many it wrote. */
  private int drain(BatchOutput out, KafkaConsumer<byte[], byte[]> replies, Duration timeout) throws IOException {
    int written = 0;
    for (ConsumerRecord<byte[], byte[]> reply : replies.poll(timeout)) {
      String customId = reply.key() == null ? null : pending.remove(new String(reply.key(), StandardCharsets.UTF_8));
      if (customId == null) {
        continue;
      }
      ObjectNode line = lines.fromReply(customId, reply);
      if (out.write(customId, line)) {
        costUsd = costUsd.add(OutputLines.usdOf(line));
        written++;
      }
    }
    return written;
  }

  private int forgetFailedSends() {
    int failures = 0;
    for (String requestId = failedSends.poll(); requestId != null; requestId = failedSends.poll()) {
      if (pending.remove(requestId) != null) {
        failures++;
      }
    }
    if (failures > 0) {
      status.println("batch: " + failures + " requests could not be put on Kafka; run again to retry them");
    }
    return failures;
  }

  /** The SHA-256 of {@code file}, hex: what ties an output file to the input it answers. */
  private static String digest(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[64 * 1024];
      for (int read = in.read(buffer); read > 0; read = in.read(buffer)) {
        sha.update(buffer, 0, read);
      }
      return java.util.HexFormat.of().formatHex(sha.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private int countLines() throws IOException {
    try (var stream = Files.lines(input, StandardCharsets.UTF_8)) {
      return (int) stream.filter(line -> !line.isBlank()).count();
    }
  }

}
