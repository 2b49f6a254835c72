package dev.relayworker.protocol;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The bytes a record takes on the wire, reckoned the way the Kafka producer reckons them before
 * it refuses a record as too large: the upper bound of a one-record batch in the v2 format (a
 * 61-byte batch header, at most 21 bytes of record overhead, and a varint length before key,
 * value and each header's name and value). Kafka keeps that arithmetic in an internal package
 * that has moved between versions, so it is written out here; it is an upper bound, never less
 * than what the producer computes.
 *
 * <p>Pure; thread-safe.
 */
public final class RecordSize {

  /** {@code DefaultRecordBatch.RECORD_BATCH_OVERHEAD}. */
  static final int BATCH_OVERHEAD = 61;
  /** {@code DefaultRecord.MAX_RECORD_OVERHEAD}: length, attributes, timestamp and offset deltas. */
  static final int RECORD_OVERHEAD = 21;
  /** The longest varint of an int. */
  static final int VARINT = 5;

  private RecordSize() {}

  /** Upper bound of the record's size in a batch of its own, uncompressed. */
  public static int of(ProducerRecord<byte[], byte[]> record) {
    long size = BATCH_OVERHEAD + RECORD_OVERHEAD + field(record.key()) + field(record.value()) + VARINT;
    for (Header header : record.headers()) {
      size += VARINT + header.key().getBytes(StandardCharsets.UTF_8).length + field(header.value());
    }
    return (int) Math.min(Integer.MAX_VALUE, size);
  }

  /** The bytes {@code payload} adds, its length varint included. */
  static int field(byte[] payload) {
    return VARINT + (payload == null ? 0 : payload.length);
  }

  /**
   * The most a compressed batch of {@code size} bytes can grow to when its data does not
   * compress (the codecs' documented worst cases, with their frame headers). A broker checks the
   * compressed batch against the topic's {@code max.message.bytes}.
   */
  public static long worstCaseCompressed(long size, String compression) {
    return switch (compression) {
      case "lz4" -> size + size / 255 + 64;
      case "snappy" -> size + size / 6 + 64;
      case "zstd" -> size + size / 128 + 64;
      case "gzip" -> size + (size / 16_000 + 1) * 5 + 64;
      default -> size;
    };
  }

  /** The largest uncompressed size whose worst-case compressed batch still fits {@code maxCompressed}. */
  public static int largestFitting(int maxCompressed, String compression) {
    int low = 0;
    int high = maxCompressed;
    while (low < high) {
      int middle = low + (high - low + 1) / 2;
      if (worstCaseCompressed(middle, compression) <= maxCompressed) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return low;
  }
}
