package dev.relayworker.spend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * One record of the spend ledger: the quota spent on {@code scope} in the UTC hour beginning at
 * {@code hour} by requests of one partition, from the hour's start up to the record (a running
 * total: a later record of the same key supersedes it, which is what compaction keeps). Its key,
 * {@code spend/<scope>/<hour>/<topic>/<partition>}, reads well in kcat; its value is JSON:
 * <pre>{@code {"scope":"route:premium","hour":"2026-12-04T20:00:00Z","topic":"requests","partition":3,"quota":1250}}</pre>
 * Only the owner of the partition writes its keys, so the running total never goes back.
 * Immutable.
 *
 * @param scope what is capped, {@code route:<name>}
 * @param hour the start of the UTC hour
 */
public record SpendEntry(String scope, Instant hour, String topic, int partition, long quota) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The slot this entry totals: scope, hour and partition, without the total. */
  public record Slot(String scope, Instant hour, String topic, int partition) {

    public Slot {
      hour = hour.truncatedTo(ChronoUnit.HOURS);
    }

    /** The record key, which compaction keeps one value of. */
    public String key() {
      return "spend/" + scope + "/" + hour + "/" + topic + "/" + partition;
    }

    public SpendEntry total(long quota) {
      return new SpendEntry(scope, hour, topic, partition, quota);
    }
  }

  public Slot slot() {
    return new Slot(scope, hour, topic, partition);
  }

  public byte[] key() {
    return slot().key().getBytes(StandardCharsets.UTF_8);
  }

  public byte[] value() {
    ObjectNode node = JSON.createObjectNode()
        .put("scope", scope)
        .put("hour", hour.toString())
        .put("topic", topic)
        .put("partition", partition)
        .put("quota", quota);
    return node.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The entry a record value holds; empty when it is not one (written by someone else, or by a
   * later version with a shape this one does not know): a reader skips it rather than fail.
   */
  public static Optional<SpendEntry> parse(byte[] value) {
    if (value == null || value.length == 0 || value.length > 4_096) {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(value);
      JsonNode quota = node.path("quota");
      JsonNode partition = node.path("partition");
      if (!node.path("scope").isTextual() || !node.path("hour").isTextual() || !node.path("topic").isTextual()
          || !quota.canConvertToLong() || quota.longValue() < 0 || !partition.canConvertToInt()) {
        return Optional.empty();
      }
      return Optional.of(new SpendEntry(node.get("scope").asText(), Instant.parse(node.get("hour").asText())
          .truncatedTo(ChronoUnit.HOURS), node.get("topic").asText(), partition.intValue(), quota.longValue()));
    } catch (IOException | DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
