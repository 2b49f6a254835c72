package dev.relayworker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relayworker.config.KafkaClients;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.requester.ReplyReader;
import dev.relayworker.requester.StreamPreview;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code relay-worker send}: puts one request on the request topic, waits for its reply and
 * prints it. Exit 0 on an ok reply, 1 on an error reply or no reply in time.
 */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = "Send one completion request through Kafka and print its reply.")
final class SendCommand implements Callable<Integer> {

  @Mixin
  ConfigOption config;

  @Option(names = "--prompt", required = true, description = "The prompt.")
  String prompt;

  @Option(names = "--model", description = "Model (default: request.default.model, else gpt-3.5-turbo-instruct).")
  String model;

  @Option(names = "--max-tokens", defaultValue = "64", description = "max_tokens (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--timeout-seconds", defaultValue = "120", description = "How long to wait for the reply (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(names = "--stream", description = "Ask for the answer streamed: print its text as chunk records bring it,"
      + " then the final reply.")
  boolean stream;

  @Override
  public Integer call() throws Exception {
    WorkerConfig settings = config.load();
    String requestId = UUID.randomUUID().toString();
    String replyTopic = settings.getString(WorkerConfig.REPLY_TOPIC);
    String streamTopic = settings.streamTopicFor(replyTopic);
    try (KafkaConsumer<byte[], byte[]> replies = replyConsumer(settings, replyTopic);
        KafkaConsumer<byte[], byte[]> chunks = stream ? replyConsumer(settings, streamTopic) : null;
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(settings,
            KafkaClients.newClientId()))) {
      producer.send(new ProducerRecord<>(settings.getString(WorkerConfig.REQUEST_TOPIC),
          requestId.getBytes(StandardCharsets.UTF_8), body(settings))).get();
      System.err.println("sent request " + requestId + "; waiting for its reply on " + replyTopic
          + (stream ? " and its text on " + streamTopic : ""));
      StreamPreview preview = new StreamPreview();
      long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
      while (System.nanoTime() < deadline) {
        if (chunks != null) {
          printChunks(chunks.poll(Duration.ofMillis(20)), requestId, preview);
        }
        for (ConsumerRecord<byte[], byte[]> reply : replies.poll(Duration.ofMillis(stream ? 20 : 200))) {
          if (requestId.equals(new String(reply.key(), StandardCharsets.UTF_8))) {
            if (stream) {
              System.out.println();
            }
            System.out.println(new String(reply.value(), StandardCharsets.UTF_8));
            String status = ProtocolHeaders.text(reply, ProtocolHeaders.STATUS);
            String cost = ProtocolHeaders.text(reply, ProtocolHeaders.COST_USD);
            System.err.println("status=" + status + " attempts=" + ProtocolHeaders.text(reply, ProtocolHeaders.ATTEMPTS)
                + (cost == null ? "" : " cost=" + cost + " USD (" + ProtocolHeaders.text(reply, ProtocolHeaders.COST_QUOTA)
                    + " quota, group " + ProtocolHeaders.text(reply, ProtocolHeaders.RELAY_GROUP) + ", route "
                    + ProtocolHeaders.text(reply, ProtocolHeaders.RELAY_ROUTE) + ")"));
            return ProtocolHeaders.STATUS_OK.equals(status) ? 0 : 1;
          }
        }
      }
    }
    System.err.println("relay-worker: no reply to " + requestId + " within " + timeoutSeconds + " s;"
        + " is a worker running (bin/relay-worker run)?");
    return 1;
  }

  /** Prints the text the request's chunks add, by the reader's rule ({@link StreamPreview}). */
  private static void printChunks(Iterable<ConsumerRecord<byte[], byte[]>> records, String requestId,
      StreamPreview preview) {
    for (ConsumerRecord<byte[], byte[]> chunk : records) {
      if (!requestId.equals(new String(chunk.key(), StandardCharsets.UTF_8))) {
        continue;
      }
      StreamPreview.Step step = preview.accept(chunk.value());
      if (step == StreamPreview.Step.RESTARTED) {
        System.out.println();
        System.err.println("[the relay's stream broke; another attempt starts over]");
      }
      if (step != StreamPreview.Step.IGNORED) {
        System.out.print(preview.added());
        System.out.flush();
      }
    }
  }

  private byte[] body(WorkerConfig settings) throws Exception {
    ObjectNode body = new ObjectMapper().createObjectNode();
    String defaultModel = settings.getString(WorkerConfig.REQUEST_DEFAULT_MODEL);
    body.put("model", model != null ? model : defaultModel.isEmpty() ? "gpt-3.5-turbo-instruct" : defaultModel);
    body.put("prompt", prompt);
    body.put("max_tokens", maxTokens);
    if (stream) {
      body.put("stream", true);
    }
    return new ObjectMapper().writeValueAsBytes(body);
  }

  private KafkaConsumer<byte[], byte[]> replyConsumer(WorkerConfig settings, String topic) {
    return ReplyReader.openAtEnd(KafkaClients.admin(settings), topic, Duration.ofSeconds(timeoutSeconds));
  }

}
