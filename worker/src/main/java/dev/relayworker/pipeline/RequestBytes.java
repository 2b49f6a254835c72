package dev.relayworker.pipeline;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * What a taken record is reckoned to hold in memory until its request is done, for the
 * in-flight byte cap: its key, value and headers, twice over, for the copies made of them (the
 * request ID read from the key, a body re-written with a default model, the parser's tree while it
 * reads). Pure.
 */
final class RequestBytes {

  private RequestBytes() {}

  static long held(ConsumerRecord<byte[], byte[]> record) {
    long bytes = length(record.key()) + length(record.value());
    for (Header header : record.headers()) {
      bytes += header.key().length() + length(header.value());
    }
    return 2 * bytes;
  }

  private static long length(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }
}
