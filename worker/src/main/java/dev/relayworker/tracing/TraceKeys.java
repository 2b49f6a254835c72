package dev.relayworker.tracing;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * The attribute names spans carry: OpenTelemetry's messaging conventions for the Kafka side,
 * its GenAI conventions for the relay calls, and the worker's own under {@code relay.}. Written
 * out here rather than taken from the incubating semantic-conventions artifact, whose names still
 * move between releases; the tests pin them.
 */
final class TraceKeys {

  private TraceKeys() {}

  static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> MESSAGING_OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> MESSAGING_OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
  static final AttributeKey<String> MESSAGING_DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> MESSAGING_PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
  static final AttributeKey<Long> MESSAGING_OFFSET = AttributeKey.longKey("messaging.kafka.offset");
  static final AttributeKey<String> MESSAGING_GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
  static final AttributeKey<String> MESSAGING_MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
  static final AttributeKey<Long> MESSAGING_BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");

  static final AttributeKey<String> GEN_AI_OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> GEN_AI_PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
  static final AttributeKey<String> GEN_AI_REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<String> GEN_AI_RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  static final AttributeKey<String> GEN_AI_RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
  static final AttributeKey<List<String>> GEN_AI_FINISH_REASONS =
      AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
  static final AttributeKey<Long> GEN_AI_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> GEN_AI_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<Long> GEN_AI_CACHE_READ_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
  static final AttributeKey<Long> GEN_AI_REASONING_TOKENS =
      AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");

  static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("relay.request.id");
  static final AttributeKey<Long> REQUEST_AGE_MS = AttributeKey.longKey("relay.request.age_ms");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("relay.outcome");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("relay.route");
  static final AttributeKey<String> GROUP = AttributeKey.stringKey("relay.group");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("relay.attempt");
  static final AttributeKey<Long> WAITED_MS = AttributeKey.longKey("relay.wait_ms");
  static final AttributeKey<Double> COST_USD = AttributeKey.doubleKey("relay.cost.usd");
  static final AttributeKey<Long> COST_QUOTA = AttributeKey.longKey("relay.cost.quota");
  static final AttributeKey<Boolean> STREAMED = AttributeKey.booleanKey("relay.stream");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("relay.reason");
}
