package dev.relayworker.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * One chunk record of a streamed answer: the text one attempt added to each choice since its
 * previous chunk. Keyed as the request's reply is, so a request's chunks stay in one partition in
 * the order they were written. The value:
 *
 * <pre>{"object":"relay.stream.chunk","request_id":"r-1","attempt":"5f0c…","index":3,"last":false,
 *  "choices":[{"index":0,"text":"Hello"}]}</pre>
 *
 * and the headers {@code request_id}, {@link ProtocolHeaders#STREAM_ATTEMPT},
 * {@link ProtocolHeaders#STREAM_INDEX}, {@link ProtocolHeaders#STREAM_LAST} and the request's
 * correlation headers, as its reply carries them. Immutable.
 *
 * @param requestId the request the text answers
 * @param attempt the relay attempt that wrote it: a new ID for each attempt
 * @param index its place in the attempt's chunks, from 0, with no gaps
 * @param last whether the attempt's stream completed with it (its final reply follows)
 * @param texts the text per choice (per content block for Messages), in choice order; may be
 *     empty on a last chunk
 */
public record StreamChunk(String requestId, String attempt, int index, boolean last, Map<Integer, String> texts) {

  /** The {@code object} of a chunk's value. */
  public static final String OBJECT = "relay.stream.chunk";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The chunk as a record for {@code topic}, keyed {@code key}, echoing {@code address}'s correlation headers. */
  public ProducerRecord<byte[], byte[]> toRecord(String topic, byte[] key, ReplyAddress address) {
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key, value());
    Headers headers = record.headers();
    headers.add(ProtocolHeaders.REQUEST_ID, ReplyRecords.requestIdHeader(requestId));
    headers.add(ProtocolHeaders.STREAM_ATTEMPT, attempt.getBytes(StandardCharsets.US_ASCII));
    headers.add(ProtocolHeaders.STREAM_INDEX, Integer.toString(index).getBytes(StandardCharsets.US_ASCII));
    headers.add(ProtocolHeaders.STREAM_LAST, Boolean.toString(last).getBytes(StandardCharsets.US_ASCII));
    address.correlation().forEach(headers::add);
    return record;
  }

  private byte[] value() {
    ObjectNode value = MAPPER.createObjectNode().put("object", OBJECT).put("request_id", requestId)
        .put("attempt", attempt).put("index", index).put("last", last);
    ArrayNode choices = value.putArray("choices");
    texts.forEach((choice, text) -> choices.addObject().put("index", choice).put("text", text));
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a chunk of text could not be encoded", e);
    }
  }
}
