package dev.relayworker.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relayworker.protocol.ProtocolHeaders;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Builds OpenAI Batch API output lines: {@code {"id", "custom_id", "response": {"status_code",
 * "request_id", "body"}, "error"}}. A reply the relay answered (ok, or an error with an HTTP
 * status) becomes a {@code response}; a failure without a relay answer (deadline passed, bad
 * request caught by the worker, bad input line) becomes an {@code error} with
 * {@code code} and {@code message}, and {@code response} null. An answered line also carries what it
 * cost, outside the Batch API's own fields (readers that join on {@code custom_id} ignore it):
 * {@code "cost": {"prompt_tokens", "completion_tokens", "quota", "usd", "group"}}, from the
 * reply's usage and cost headers ({@code quota} and {@code usd} null for an unpriced model).
 * Stateless; any thread.
 */
final class OutputLines {

  /** Error code of an input line that could not be sent. */
  static final String INVALID_LINE = "invalid_batch_line";

  private final ObjectMapper json;

  OutputLines(ObjectMapper json) {
    this.json = json;
  }

  /** The output line for a worker reply to the line {@code customId}. */
  ObjectNode fromReply(String customId, ConsumerRecord<byte[], byte[]> reply) {
    JsonNode body = parse(reply.value());
    String httpStatus = ProtocolHeaders.text(reply, ProtocolHeaders.HTTP_STATUS);
    boolean ok = ProtocolHeaders.STATUS_OK.equals(ProtocolHeaders.text(reply, ProtocolHeaders.STATUS));
    ObjectNode line = start(customId);
    if (ok || (httpStatus != null && !"0".equals(httpStatus))) {
      ObjectNode response = line.putObject("response");
      response.put("status_code", httpStatus == null ? 200 : Integer.parseInt(httpStatus));
      String relayRequestId = ProtocolHeaders.text(reply, ProtocolHeaders.RELAY_REQUEST_ID);
      response.put("request_id", relayRequestId != null ? relayRequestId : ProtocolHeaders.text(reply, ProtocolHeaders.REQUEST_ID));
      response.set("body", body);
      line.putNull("error");
      cost(line, reply);
    } else {
      line.putNull("response");
      ObjectNode error = line.putObject("error");
      error.put("code", ProtocolHeaders.text(reply, ProtocolHeaders.ERROR_TYPE));
      error.put("message", body.path("error").path("message").asText(""));
    }
    return line;
  }

  private static void cost(ObjectNode line, ConsumerRecord<byte[], byte[]> reply) {
    String prompt = ProtocolHeaders.text(reply, ProtocolHeaders.USAGE_PROMPT_TOKENS);
    if (prompt == null) {
      return;
    }
    ObjectNode cost = line.putObject("cost");
    cost.put("prompt_tokens", Long.parseLong(prompt));
    cost.put("completion_tokens", Long.parseLong(ProtocolHeaders.text(reply, ProtocolHeaders.USAGE_COMPLETION_TOKENS)));
    String quota = ProtocolHeaders.text(reply, ProtocolHeaders.COST_QUOTA);
    String usd = ProtocolHeaders.text(reply, ProtocolHeaders.COST_USD);
    if (quota == null) {
      cost.putNull("quota");
      cost.putNull("usd");
    } else {
      cost.put("quota", Long.parseLong(quota));
      cost.put("usd", new BigDecimal(usd));
    }
    cost.put("group", ProtocolHeaders.text(reply, ProtocolHeaders.RELAY_GROUP));
    cost.put("route", ProtocolHeaders.text(reply, ProtocolHeaders.RELAY_ROUTE));
  }

  /** What an output line says its call cost in USD; zero when it names no price. */
  static BigDecimal usdOf(ObjectNode line) {
    JsonNode usd = line.path("cost").path("usd");
    return usd.isNumber() ? usd.decimalValue() : BigDecimal.ZERO;
  }

  /** The output line for an input line that could not be sent. */
  ObjectNode fromBadLine(BatchLine.Bad bad) {
    ObjectNode line = start(bad.customId());
    line.putNull("response");
    ObjectNode error = line.putObject("error");
    error.put("code", INVALID_LINE);
    error.put("message", "line " + bad.number() + ": " + bad.problem());
    return line;
  }

  private ObjectNode start(String customId) {
    ObjectNode line = json.createObjectNode();
    line.put("id", "batch_req_" + UUID.randomUUID().toString().replace("-", ""));
    line.put("custom_id", customId);
    return line;
  }

  private JsonNode parse(byte[] value) {
    try {
      return value == null ? json.nullNode() : json.readTree(value);
    } catch (IOException e) {
      return json.getNodeFactory().textNode(new String(value, StandardCharsets.UTF_8));
    }
  }

}
