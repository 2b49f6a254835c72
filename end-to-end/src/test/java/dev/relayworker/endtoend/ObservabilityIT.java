package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.metrics.Metric;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.OperationsFiles;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launched worker as an operator's tools see it: its spans arrive at a real OTLP receiver on
 * loopback as one trace from the requester's span to the reply; every metric the alert rules, the
 * dashboard and KEDA's query read is in its scrape; and a collector that is not there costs the
 * worker nothing but the spans, which it counts.
 */
@ExtendWith(KafkaBroker.class)
class ObservabilityIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String TRACE = "5b8efff798038103d269b633813fc60c";
  private static final String PARENT = "eee19b7ec3c1b174";

  @TempDir
  Path dir;

  @Test
  void spansReachACollectorAsOneTraceAndEveryQueriedMetricIsServed(KafkaBroker.Running broker) throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
        OtlpCollector collector = OtlpCollector.start()) {
      TestWorkers workers = new TestWorkers(broker, simulator, "observed");
      Path output = dir.resolve("worker.out");
      Process worker = launch(workers, simulator, output, collector.endpoint());
      int admin = adminPort(output);
      try (KafkaProducer<byte[], byte[]> producer = workers.producer(); TopicReader replies = workers.replies()) {
        ProducerRecord<byte[], byte[]> traced = new ProducerRecord<>(workers.requestTopic, utf8("traced"),
            utf8("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hello\",\"max_tokens\":5}"));
        traced.headers().add("traceparent", utf8("00-" + TRACE + "-" + PARENT + "-01"));
        producer.send(traced);
        producer.send(new ProducerRecord<>(workers.requestTopic, utf8("invalid"), utf8("{\"prompt\": 42}")));
        producer.flush();
        List<ConsumerRecord<byte[], byte[]>> answered = replies.awaitDistinctKeys(2, WAIT);

        Await.until("the traced request's spans at the collector", WAIT,
            () -> collector.trace(TRACE).stream().map(span -> span.span().getKind().name()).distinct().count() == 3);
        List<OtlpCollector.Received> trace = collector.trace(TRACE);
        // The tree as docs/observability.md shows it, from this run.
        Files.createDirectories(Path.of("end-to-end", "target"));
        Files.writeString(Path.of("end-to-end", "target", "span-tree.txt"), OtlpCollector.tree(trace));
        OtlpCollector.Received process = kind(trace, "SPAN_KIND_CONSUMER");
        OtlpCollector.Received call = kind(trace, "SPAN_KIND_CLIENT");
        OtlpCollector.Received send = kind(trace, "SPAN_KIND_PRODUCER");
        assertThat(process.parentSpanId()).isEqualTo(PARENT);
        assertThat(process.resource()).containsEntry("service.name", "relay-worker");
        assertThat(process.attribute("messaging.destination.name")).isEqualTo(workers.requestTopic);
        assertThat(call.span().getName()).isEqualTo("text_completion gpt-3.5-turbo-instruct");
        assertThat(call.parentSpanId()).isEqualTo(process.spanId());
        assertThat(call.attribute("gen_ai.usage.output_tokens")).isNotNull();
        assertThat(send.parentSpanId()).isEqualTo(process.spanId());
        ConsumerRecord<byte[], byte[]> reply = answered.stream()
            .filter(record -> new String(record.key(), StandardCharsets.UTF_8).equals("traced")).findFirst().orElseThrow();
        assertThat(TopicReader.header(reply, "traceparent")).isEqualTo("00-" + TRACE + "-" + send.spanId() + "-01");
        assertThat(collector.contentTypes()).allMatch(type -> type.startsWith("application/x-protobuf"));

        Scrape scrape = Scrape.fetch(admin);
        Map<String, List<String>> missing = new TreeMap<>();
        OperationsFiles.queries().forEach((where, query) -> OperationsFiles.metricNames(query).stream()
            .filter(name -> !scrape.has(name)).forEach(name -> missing.computeIfAbsent(name, n -> new ArrayList<>())
                .add(where)));
        assertThat(missing).as("metrics the alert rules, dashboard or KEDA read that the worker does not serve")
            .isEmpty();
        Await.until("exported spans counted", WAIT,
            () -> Scrape.fetch(admin).value(Metric.TRACE_SPANS.prometheusName(), "outcome=\"exported\"") > 0);
      } finally {
        worker.destroy();
      }
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(worker.exitValue()).as(Launcher.read(output)).isZero();
    }
  }

  @Test
  void aCollectorThatIsNotThereCostsOnlyTheSpansWhichAreCounted(KafkaBroker.Running broker) throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0)) {
      TestWorkers workers = new TestWorkers(broker, simulator, "uncollected");
      Path output = dir.resolve("uncollected.out");
      Process worker = launch(workers, simulator, output, "http://127.0.0.1:" + closedPort);
      int admin = adminPort(output);
      try (KafkaProducer<byte[], byte[]> producer = workers.producer(); TopicReader replies = workers.replies()) {
        for (int i = 0; i < 30; i++) {
          producer.send(workers.request("r" + i, "no collector"));
        }
        producer.flush();
        replies.awaitDistinctKeys(30, WAIT);
        Await.until("spans counted as failed", WAIT,
            () -> Scrape.fetch(admin).value(Metric.TRACE_SPANS.prometheusName(), "outcome=\"failed\"") > 0);
        Scrape scrape = Scrape.fetch(admin);
        assertThat(scrape.value(Metric.TRACE_SPANS.prometheusName(), "outcome=\"exported\"")).isZero();
        assertThat(scrape.value(Metric.REPLIES.prometheusName(), "status=\"ok\"")).isEqualTo(30);
      } finally {
        worker.destroy();
      }
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(worker.exitValue()).as(Launcher.read(output)).isZero();
      assertThat(Launcher.read(output)).contains("tracing on");
    }
  }

  private static Process launch(TestWorkers workers, RelaySimulator simulator, Path output, String collector)
      throws Exception {
    Path config = output.resolveSibling(output.getFileName() + ".properties");
    List<String> lines = new ArrayList<>(Launcher.settingsFor(workers, simulator));
    // A spend cap, so that the budget gauges the dashboard and alerts read exist.
    lines.addAll(List.of("admin.port=0", "commit.interval.ms=100", "budget.usd.per.day=100", ""));
    Files.writeString(config, String.join("\n", lines));
    return Launcher.start(output, Map.of("JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1",
        "OTEL_EXPORTER_OTLP_ENDPOINT", collector, "OTEL_BSP_SCHEDULE_DELAY", "200"), "run", "--config",
        config.toString());
  }

  private static int adminPort(Path output) throws Exception {
    Pattern logged = Pattern.compile("metrics on http://[^:/]+:(\\d+)/metrics");
    Await.until("the worker's admin port in its log", WAIT, () -> {
      try {
        return logged.matcher(Launcher.read(output)).find();
      } catch (java.io.IOException e) {
        return false;
      }
    });
    Matcher matcher = logged.matcher(Launcher.read(output));
    assertThat(matcher.find()).isTrue();
    return Integer.parseInt(matcher.group(1));
  }

  private static OtlpCollector.Received kind(List<OtlpCollector.Received> trace, String kind) {
    List<OtlpCollector.Received> found = trace.stream().filter(span -> span.span().getKind().name().equals(kind))
        .toList();
    assertThat(found).as("%s spans in %s", kind, OtlpCollector.tree(trace)).hasSize(1);
    return found.get(0);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
