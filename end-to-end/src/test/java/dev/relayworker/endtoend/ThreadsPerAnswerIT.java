package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relay answers start no threads, on one CPU or two: the worker runs through the real launcher
 * with {@code -XX:ActiveProcessorCount}, and its {@code jvm_threads_started_threads_total} is
 * read before and after it answers {@value #REQUESTS} requests. The common pool's parallelism is
 * pinned to 1, undoing the launcher's belt-and-braces flag, so the worker's code is what is
 * tested: on JDK 17 that makes {@code CompletableFuture}'s default executor a thread per task, and
 * anything on the answer path that used it would start thousands of threads.
 *
 * <p>The JDK transport is the control: on such a JVM it warns that it starts a thread per answer,
 * and the same count shows it does, which proves the count can see the problem.
 */
@ExtendWith(KafkaBroker.class)
class ThreadsPerAnswerIT {

  private static final Logger log = LoggerFactory.getLogger(ThreadsPerAnswerIT.class);
  private static final int WARM_UP = 200;
  private static final int REQUESTS = 2_000;
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final Pattern ADMIN_PORT = Pattern.compile("metrics on http://[^:/]+:(\\d+)/metrics");
  private static final String THREADS_STARTED = "jvm_threads_started_threads_total";

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0} CPU(s)")
  @ValueSource(ints = {1, 2})
  void answersStartNoThreads(int cpus, KafkaBroker.Running broker) throws Exception {
    Run run = answer(broker, cpus, "netty");

    // JIT compiler threads come and go with load; one thread per answer would be 2,000.
    assertThat(run.threadsStarted()).as(run.log()).isLessThan(50);
  }

  @Test
  void theJdkClientStartsAThreadPerAnswerWhereItWarnsSo(KafkaBroker.Running broker) throws Exception {
    Run run = answer(broker, 1, "jdk");
    assumeTrue(run.log().contains("starts a thread for every relay answer"),
        "this JVM's CompletableFuture keeps a pool on one CPU (JDK 25 and later)");

    assertThat(run.threadsStarted()).as(run.log()).isGreaterThanOrEqualTo(REQUESTS);
  }

  /** What one worker run showed: threads started while answering, and the worker's log. */
  private record Run(long threadsStarted, String log) {}

  private Run answer(KafkaBroker.Running broker, int cpus, String transport) throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults()
        .withLatency(Duration.ofMillis(5), Duration.ZERO), 0)) {
      TestWorkers workers = new TestWorkers(broker, simulator, "threads-" + transport + "-" + cpus)
          .createRequestTopic(2);
      Path config = dir.resolve("worker.properties");
      Files.writeString(config, String.join("\n",
          "kafka.bootstrap.servers=" + workers.bootstrapServers,
          "relay.base.url=" + simulator.baseUri(),
          "relay.api.key=" + SimulatorSettings.DEFAULT_KEY,
          "relay.http.client=" + transport,
          "request.topic=" + workers.requestTopic,
          "reply.topic=" + workers.replyTopic,
          "dlq.topic=" + workers.dlqTopic,
          "group.id=" + workers.groupId,
          "admin.port=0", ""));
      Path output = dir.resolve("worker-" + transport + "-" + cpus + ".log");
      Process worker = Launcher.start(output, Map.of("JAVA_OPTS", "-Xmx256m -XX:ActiveProcessorCount=" + cpus
          + " -Djava.util.concurrent.ForkJoinPool.common.parallelism=1"), "run", "--config", config.toString());
      try (KafkaProducer<byte[], byte[]> producer = workers.producer(); TopicReader replies = workers.replies()) {
        send(producer, workers, "warm", WARM_UP);
        assertThat(replies.awaitDistinctKeys(WARM_UP, WAIT)).hasSizeGreaterThanOrEqualTo(WARM_UP);
        String metrics = metricsUrl(output);
        double before = threadsStarted(metrics);

        send(producer, workers, "load", REQUESTS);
        assertThat(TopicReader.distinctKeys(replies.awaitDistinctKeys(WARM_UP + REQUESTS, WAIT)))
            .isEqualTo(WARM_UP + REQUESTS);
        double after = threadsStarted(metrics);
        log.info("{} transport, {} CPU(s): {} threads started while answering {} requests", transport, cpus,
            (long) (after - before), REQUESTS);
        return new Run((long) (after - before), Launcher.read(output));
      } finally {
        worker.destroy();
        worker.waitFor(60, TimeUnit.SECONDS);
      }
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, TestWorkers workers, String phase, int count) {
    for (int i = 0; i < count; i++) {
      producer.send(workers.request(phase + "-" + i, phase + " " + i));
    }
    producer.flush();
  }

  private static String metricsUrl(Path output) throws Exception {
    String[] port = new String[1];
    Await.until("the worker to log its admin port", WAIT, () -> {
      Matcher logged = ADMIN_PORT.matcher(read(output));
      port[0] = logged.find() ? logged.group(1) : null;
      return port[0] != null;
    });
    return "http://127.0.0.1:" + port[0] + "/metrics";
  }

  private static String read(Path output) {
    try {
      return Launcher.read(output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double threadsStarted(String metrics) throws Exception {
    HttpResponse<String> scraped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics)).build(),
        HttpResponse.BodyHandlers.ofString());
    return Scrape.of(scraped.body()).value(THREADS_STARTED);
  }
}
