package dev.relayworker.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A collector that does not answer fills the queue; spans past it are dropped and counted, never
 * waited for. The batch processor is played by hand (what it queued, what it hands the exporter),
 * so that every step is this test's own.
 */
class SpanQueueTest {

  private final SpanQueue queue = new SpanQueue(4);
  private final Queued batch = new Queued();
  private final Collector collector = new Collector();
  private final SpanExporter exporter = queue.counting(collector);

  @Test
  void spansPastTheQueueAreDroppedAndCountedWhileTheCollectorDoesNotAnswer() {
    try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(queue.admitting(batch)).build()) {
      end(provider, 10);
      assertThat(batch.spans).hasSize(4);
      assertThat(queue.queued()).isEqualTo(4);
      assertThat(queue.dropped()).isEqualTo(6);

      // Two handed to the exporter make room for two more, whether or not the collector answers.
      exporter.export(batch.take(2));
      end(provider, 3);
      assertThat(queue.dropped()).isEqualTo(7);
      assertThat(queue.exported()).isZero();

      collector.answer(true);
      assertThat(queue.exported()).isEqualTo(2);
      exporter.export(batch.take(4));
      collector.answer(false);
      assertThat(queue.failed()).isEqualTo(4);
      assertThat(queue.queued()).isZero();
    }
  }

  @Test
  void anExporterThatThrowsCountsItsSpansFailedAndUnsampledSpansAreNotCounted() {
    try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(queue.admitting(batch))
        .setSampler(Sampler.alwaysOff()).build()) {
      end(provider, 3);
      assertThat(queue.queued()).isZero();
      assertThat(batch.spans).isEmpty();
    }
    try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(queue.admitting(batch)).build()) {
      end(provider, 2);
      collector.throwing = true;
      assertThat(exporter.export(batch.take(2)).isSuccess()).isFalse();
      assertThat(queue.failed()).isEqualTo(2);
      assertThat(queue.queued()).isZero();
    }
  }

  private static void end(SdkTracerProvider provider, int spans) {
    for (int i = 0; i < spans; i++) {
      provider.get("test").spanBuilder("span " + i).startSpan().end();
    }
  }

  /** What a batch processor holds: every span it is given, until taken for export. */
  private static final class Queued implements SpanProcessor {
    final List<SpanData> spans = new ArrayList<>();

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
      return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
      spans.add(span.toSpanData());
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }

    List<SpanData> take(int count) {
      List<SpanData> taken = new ArrayList<>(spans.subList(0, count));
      spans.subList(0, count).clear();
      return taken;
    }
  }

  /** A collector whose answers come only when told. */
  private static final class Collector implements SpanExporter {
    private final List<CompletableResultCode> pending = new ArrayList<>();
    boolean throwing;

    @Override
    public CompletableResultCode export(java.util.Collection<SpanData> spans) {
      if (throwing) {
        throw new IllegalStateException("exporter broke");
      }
      CompletableResultCode result = new CompletableResultCode();
      pending.add(result);
      return result;
    }

    void answer(boolean success) {
      pending.forEach(result -> {
        if (success) {
          result.succeed();
        } else {
          result.fail();
        }
      });
      pending.clear();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
