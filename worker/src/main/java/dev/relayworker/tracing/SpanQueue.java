package dev.relayworker.tracing;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps ended spans bounded on their way to the exporter, and counts what became of them. The
 * batch processor queues spans for its export thread; a slow or absent collector makes that
 * queue fill. This gate admits a span only while fewer than {@code capacity} are queued (the
 * batch processor's own queue size, so it never has to drop one itself), and drops and counts it
 * otherwise: ending a span never waits, whatever the collector does. Spans leave the count when
 * they are handed to the exporter, where they are counted exported or failed.
 *
 * <p>Threads: any; lock-free.
 */
final class SpanQueue {

  private final int capacity;
  private final AtomicInteger queued = new AtomicInteger();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder exported = new LongAdder();
  private final LongAdder failed = new LongAdder();

  SpanQueue(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("span queue capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  /** {@code batch}, fed only the spans there is room for. */
  SpanProcessor admitting(SpanProcessor batch) {
    return new Gate(batch);
  }

  /** {@code exporter}, with what it is handed counted out of the queue and into exported or failed. */
  SpanExporter counting(SpanExporter exporter) {
    return new Counted(exporter);
  }

  long dropped() {
    return dropped.sum();
  }

  long exported() {
    return exported.sum();
  }

  long failed() {
    return failed.sum();
  }

  int queued() {
    return queued.get();
  }

  private final class Gate implements SpanProcessor {
    private final SpanProcessor batch;

    Gate(SpanProcessor batch) {
      this.batch = batch;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
      batch.onStart(parentContext, span);
    }

    @Override
    public boolean isStartRequired() {
      return batch.isStartRequired();
    }

    @Override
    public void onEnd(ReadableSpan span) {
      if (!span.getSpanContext().isSampled()) {
        return; // The batch processor exports sampled spans only.
      }
      if (queued.incrementAndGet() > capacity) {
        queued.decrementAndGet();
        dropped.increment();
        return;
      }
      batch.onEnd(span);
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }

    @Override
    public CompletableResultCode shutdown() {
      return batch.shutdown();
    }

    @Override
    public CompletableResultCode forceFlush() {
      return batch.forceFlush();
    }
  }

  private final class Counted implements SpanExporter {
    private final SpanExporter exporter;

    Counted(SpanExporter exporter) {
      this.exporter = exporter;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      int count = spans.size();
      queued.addAndGet(-count);
      CompletableResultCode result;
      try {
        result = exporter.export(spans);
      } catch (RuntimeException e) {
        failed.add(count);
        return CompletableResultCode.ofFailure();
      }
      result.whenComplete(() -> (result.isSuccess() ? exported : failed).add(count));
      return result;
    }

    @Override
    public CompletableResultCode flush() {
      return exporter.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return exporter.shutdown();
    }
  }
}
