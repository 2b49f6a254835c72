package dev.relayworker.tracing;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Kafka record headers as OpenTelemetry's propagators read and write them ({@code traceparent},
 * {@code tracestate}, {@code baggage}): UTF-8 values, the last of a repeated header winning, as
 * every Kafka instrumentation reads them. A value longer than {@value #MAX_VALUE_BYTES} bytes is
 * not read at all: no valid trace header is that long (W3C asks that 512 characters of
 * {@code tracestate} be kept), and a record's header must not make the worker parse megabytes.
 * Writing replaces any header of the same name. Stateless; any thread.
 */
enum RecordHeaders implements TextMapGetter<Headers>, TextMapSetter<Headers> {
  INSTANCE;

  static final int MAX_VALUE_BYTES = 1_024;

  @Override
  public Iterable<String> keys(Headers headers) {
    List<String> keys = new ArrayList<>();
    for (Header header : headers) {
      keys.add(header.key());
    }
    return keys;
  }

  @Override
  public String get(Headers headers, String key) {
    if (headers == null) {
      return null;
    }
    Header header = headers.lastHeader(key);
    if (header == null || header.value() == null || header.value().length > MAX_VALUE_BYTES) {
      return null;
    }
    return new String(header.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void set(Headers headers, String key, String value) {
    if (headers == null) {
      return;
    }
    headers.remove(key);
    headers.add(key, value.getBytes(StandardCharsets.UTF_8));
  }
}
