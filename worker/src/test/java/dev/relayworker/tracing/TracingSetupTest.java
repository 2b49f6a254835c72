package dev.relayworker.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Off unless configured: the environment, the system properties and tracing.enabled decide. */
class TracingSetupTest {

  @Test
  void autoTracesOnlyWhenTheEnvironmentSaysWhereSpansGo() {
    assertThat(TracingSetup.wanted("auto", Map.of(), Map.of())).isFalse();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_SERVICE_NAME", "x"), Map.of())).isFalse();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), Map.of()))
        .isTrue();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c/v1/traces"),
        Map.of())).isTrue();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_TRACES_EXPORTER", "otlp"), Map.of())).isTrue();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_TRACES_EXPORTER", "none"), Map.of())).isFalse();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", " "), Map.of())).isFalse();
    assertThat(TracingSetup.wanted("auto", Map.of(), Map.of("otel.exporter.otlp.endpoint", "http://c:4318")))
        .isTrue();
    // A system property wins over its variable, as in OpenTelemetry's own reading.
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_TRACES_EXPORTER", "otlp"),
        Map.of("otel.traces.exporter", "none"))).isFalse();
  }

  @Test
  void trueAndFalseAreFinalButTheSdksOwnOffSwitchWins() {
    assertThat(TracingSetup.wanted("true", Map.of(), Map.of())).isTrue();
    assertThat(TracingSetup.wanted("false", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), Map.of()))
        .isFalse();
    assertThat(TracingSetup.wanted("true", Map.of("OTEL_SDK_DISABLED", "true"), Map.of())).isFalse();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        Map.of("otel.sdk.disabled", "TRUE"))).isFalse();
  }
}
