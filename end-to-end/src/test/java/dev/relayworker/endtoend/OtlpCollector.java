package dev.relayworker.endtoend;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

/**
 * An OpenTelemetry collector's OTLP/HTTP receiver on loopback, as far as a test needs one: it
 * takes {@code POST /v1/traces} in protobuf (gzipped or not), decodes it with the protocol's own
 * classes, keeps the spans and answers as a collector does. Threads: the server's; reads are safe
 * from any thread.
 */
final class OtlpCollector implements AutoCloseable {

  /** One received span with its resource's attributes. */
  record Received(Span span, Map<String, String> resource) {
    String traceId() {
      return HexFormat.of().formatHex(span.getTraceId().toByteArray());
    }

    String spanId() {
      return HexFormat.of().formatHex(span.getSpanId().toByteArray());
    }

    String parentSpanId() {
      return HexFormat.of().formatHex(span.getParentSpanId().toByteArray());
    }

    String attribute(String key) {
      return attributes(span.getAttributesList()).get(key);
    }
  }

  private final HttpServer server;
  private final List<Received> spans = new CopyOnWriteArrayList<>();
  private final List<String> contentTypes = new CopyOnWriteArrayList<>();

  private OtlpCollector(HttpServer server) {
    this.server = server;
  }

  static OtlpCollector start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    OtlpCollector collector = new OtlpCollector(server);
    server.createContext("/v1/traces", collector::receive);
    server.start();
    return collector;
  }

  /** The endpoint to give {@code OTEL_EXPORTER_OTLP_ENDPOINT} (the exporter adds /v1/traces). */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<Received> spans() {
    return List.copyOf(spans);
  }

  List<Received> trace(String traceId) {
    return spans.stream().filter(received -> received.traceId().equals(traceId)).toList();
  }

  List<String> contentTypes() {
    return List.copyOf(contentTypes);
  }

  private void receive(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      contentTypes.add(String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")));
      InputStream body = exchange.getRequestBody();
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        body = new GZIPInputStream(body);
      }
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
      for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
        Map<String, String> resource = attributes(resourceSpans.getResource());
        for (ScopeSpans scope : resourceSpans.getScopeSpansList()) {
          scope.getSpansList().forEach(span -> spans.add(new Received(span, resource)));
        }
      }
      byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
      if (answer.length > 0) {
        exchange.getResponseBody().write(answer);
      }
    }
  }

  private static Map<String, String> attributes(Resource resource) {
    return attributes(resource.getAttributesList());
  }

  private static Map<String, String> attributes(List<KeyValue> attributes) {
    return attributes.stream().collect(Collectors.toMap(KeyValue::getKey, attribute -> {
      var value = attribute.getValue();
      return switch (value.getValueCase()) {
        case STRING_VALUE -> value.getStringValue();
        case INT_VALUE -> Long.toString(value.getIntValue());
        case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
        case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
        case ARRAY_VALUE -> value.getArrayValue().getValuesList().stream().map(element -> element.getStringValue())
            .collect(Collectors.joining(",", "[", "]"));
        default -> value.toString();
      };
    }, (first, second) -> second));
  }

  /** The received spans of one trace as an indented tree, children under parents, by start time. */
  static String tree(List<Received> trace) {
    StringBuilder out = new StringBuilder();
    List<Received> sorted = new ArrayList<>(trace);
    sorted.sort(java.util.Comparator.comparingLong(received -> received.span().getStartTimeUnixNano()));
    long start = sorted.isEmpty() ? 0 : sorted.get(0).span().getStartTimeUnixNano();
    java.util.Set<String> ids = sorted.stream().map(Received::spanId).collect(Collectors.toSet());
    sorted.stream().filter(received -> !ids.contains(received.parentSpanId()))
        .forEach(root -> append(out, root, sorted, start, 0));
    return out.toString();
  }

  private static void append(StringBuilder out, Received span, List<Received> all, long start, int depth) {
    long from = (span.span().getStartTimeUnixNano() - start) / 1_000_000;
    long took = (span.span().getEndTimeUnixNano() - span.span().getStartTimeUnixNano()) / 1_000_000;
    out.append("  ".repeat(depth)).append(span.span().getName()).append(" [")
        .append(span.span().getKind().name().replace("SPAN_KIND_", "")).append("] +").append(from).append(" ms, ")
        .append(took).append(" ms\n");
    all.stream().filter(child -> child.parentSpanId().equals(span.spanId()))
        .forEach(child -> append(out, child, all, start, depth + 1));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
