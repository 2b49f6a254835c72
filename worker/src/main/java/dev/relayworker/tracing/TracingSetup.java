package dev.relayworker.tracing;

import dev.relayworker.config.WorkerConfig;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the worker's {@link Tracing} from {@code tracing.enabled} and OpenTelemetry's own
 * variables. {@code auto} (the default) traces when the environment names where spans go
 * ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}, or an
 * {@code OTEL_TRACES_EXPORTER} other than {@code none}, or their {@code -Dotel.*} system
 * properties); {@code true} traces to the OTLP default ({@code http://localhost:4318}) unless told
 * otherwise; {@code false}, or {@code OTEL_SDK_DISABLED=true}, never. Everything else (endpoint,
 * headers, sampler, resource, batch sizes) is OpenTelemetry's autoconfiguration, with these
 * defaults: service name {@code relay-worker}, OTLP over HTTP/protobuf, no OpenTelemetry metrics or
 * logs (metrics are Prometheus's), and the span queue bounded ({@link SpanQueue}).
 *
 * <p>Called once, at start, on the starting thread.
 */
public final class TracingSetup {

  private static final Logger log = LoggerFactory.getLogger(TracingSetup.class);

  /** The settings that ask for traces when {@code tracing.enabled=auto}. */
  private static final String[] ASKING = {
    "otel.exporter.otlp.endpoint", "otel.exporter.otlp.traces.endpoint", "otel.traces.exporter"};
  private static final int DEFAULT_QUEUE = 2_048;

  private TracingSetup() {}

  /** What was built: the tracing, and the counts of spans exported, dropped and failed. */
  public record Built(Tracing tracing, SpanCounts counts) {}

  /** What became of ended spans, read by the metrics. Any thread. */
  public interface SpanCounts {
    SpanCounts NONE = new SpanCounts() {};

    default long exported() {
      return 0;
    }

    default long dropped() {
      return 0;
    }

    default long failed() {
      return 0;
    }
  }

  /**
   * @param environment the process's environment ({@code System.getenv()})
   * @param system the system properties ({@code -Dotel.*})
   */
  public static Built from(WorkerConfig config, Map<String, String> environment, Map<String, String> system) {
    if (!wanted(config.getString(WorkerConfig.TRACING_ENABLED), environment, system)) {
      return new Built(Tracing.off(), SpanCounts.NONE);
    }
    Exporting exporting = new Exporting();
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(TracingSetup::defaults)
        // The system properties given win, as OpenTelemetry's own do (the same ones in production).
        .addPropertiesCustomizer(properties -> otelProperties(system))
        .addSpanExporterCustomizer((exporter, properties) -> exporting.queue(properties).counting(exporter))
        .addSpanProcessorCustomizer((processor, properties) -> exporting.queue(properties).admitting(processor))
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
    ConfigProperties properties = exporting.properties;
    if (properties != null) {
      log.info("tracing on: spans go by {} to {} as service '{}'", properties.getString("otel.traces.exporter"),
          endpoint(properties), properties.getString("otel.service.name"));
    }
    SpanQueue counted = exporting.queue == null ? new SpanQueue(1) : exporting.queue;
    Tracing tracing = Tracing.of(sdk, config.getString(WorkerConfig.GROUP_ID), () -> sdk.getSdkTracerProvider().shutdown()
        .join(Tracing.CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    return new Built(tracing, new SpanCounts() {
      @Override
      public long exported() {
        return counted.exported();
      }

      @Override
      public long dropped() {
        return counted.dropped();
      }

      @Override
      public long failed() {
        return counted.failed();
      }
    });
  }

  /** Whether {@code tracing.enabled} and the environment ask for traces. */
  public static boolean wanted(String enabled, Map<String, String> environment, Map<String, String> system) {
    if ("true".equalsIgnoreCase(value("otel.sdk.disabled", environment, system))) {
      return false;
    }
    switch (enabled.toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        for (String name : ASKING) {
          String value = value(name, environment, system);
          if (value != null && !value.isBlank() && !"none".equalsIgnoreCase(value.trim())) {
            return true;
          }
        }
        return false;
    }
  }

  /** A setting as OpenTelemetry reads it: the system property, else its variable ({@code OTEL_...}). */
  private static String value(String property, Map<String, String> environment, Map<String, String> system) {
    String fromSystem = system.get(property);
    if (fromSystem != null) {
      return fromSystem;
    }
    return environment.get(property.toUpperCase(Locale.ROOT).replace('.', '_'));
  }

  private static Map<String, String> otelProperties(Map<String, String> system) {
    Map<String, String> otel = new java.util.HashMap<>();
    system.forEach((name, value) -> {
      if (name.startsWith("otel.")) {
        otel.put(name, value);
      }
    });
    return otel;
  }

  private static Map<String, String> defaults() {
    return Map.of(
        "otel.service.name", "relay-worker",
        "otel.traces.exporter", "otlp",
        "otel.metrics.exporter", "none",
        "otel.logs.exporter", "none",
        "otel.exporter.otlp.protocol", "http/protobuf");
  }

  /** What the autoconfiguration's callbacks saw: the settings it read, and the one span queue. */
  private static final class Exporting {
    ConfigProperties properties;
    SpanQueue queue;

    /** The queue of the batch processor, sized as that processor's own queue is. */
    SpanQueue queue(ConfigProperties settings) {
      if (queue == null) {
        properties = settings;
        queue = new SpanQueue(settings.getInt("otel.bsp.max.queue.size", DEFAULT_QUEUE));
      }
      return queue;
    }
  }

  /** Where spans go, for the log: without any user information the URL might carry. */
  private static String endpoint(ConfigProperties properties) {
    String endpoint = properties.getString("otel.exporter.otlp.traces.endpoint",
        properties.getString("otel.exporter.otlp.endpoint", "http://localhost:4318"));
    try {
      URI uri = URI.create(endpoint);
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
    } catch (IllegalArgumentException | java.net.URISyntaxException e) {
      return "(an endpoint that is not a URL)";
    }
  }
}
