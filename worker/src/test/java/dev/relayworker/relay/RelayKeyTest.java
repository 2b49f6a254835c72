package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A key read from a file follows the file: a rotated secret is sent without a restart. */
class RelayKeyTest {

  private final AtomicLong nanos = new AtomicLong();

  @TempDir
  Path dir;

  @Test
  void aRewrittenKeyFileIsSentOnceItWasLookedAt() throws Exception {
    Path file = Files.writeString(dir.resolve("key"), "sk-old-0123456789\n");
    RelayKey key = RelayKey.fromFile(file, "relay.api.key.file", nanos::get);

    rewrite(file, "sk-new-0123456789\n");
    String beforeALook = key.authorization();
    nanos.addAndGet(RelayKey.LOOK_EVERY.toNanos());

    assertThat(beforeALook).isEqualTo("Bearer sk-old-0123456789");
    assertThat(key.authorization()).isEqualTo("Bearer sk-new-0123456789");
    assertThat(key.redact("old sk-old-0123456789 new sk-new-0123456789")).isEqualTo("old [redacted] new [redacted]");
  }

  @Test
  void aRefusedKeyIsReadAgainAtOnce() throws Exception {
    Path file = Files.writeString(dir.resolve("key"), "sk-old-0123456789\n");
    RelayKey key = RelayKey.fromFile(file, "relay.api.key.file", nanos::get);

    rewrite(file, "sk-new-0123456789\n");
    key.refused();

    assertThat(key.authorization()).isEqualTo("Bearer sk-new-0123456789");
  }

  @Test
  void aFileThatCannotBeReadAgainOrHoldsNoKeyLeavesTheLastGoodOne() throws Exception {
    Path file = Files.writeString(dir.resolve("key"), "sk-old-0123456789\n");
    RelayKey key = RelayKey.fromFile(file, "relay.api.key.file", nanos::get);

    rewrite(file, "sk broken with spaces\n");
    key.refused();
    String afterABadWrite = key.authorization();
    Files.delete(file);
    key.refused();

    assertThat(afterABadWrite).isEqualTo("Bearer sk-old-0123456789");
    assertThat(key.authorization()).isEqualTo("Bearer sk-old-0123456789");
  }

  @Test
  void aMissingFileAtStartStopsStartUpNamingTheSetting() {
    assertThatThrownBy(() -> RelayKey.fromFile(dir.resolve("nowhere"), "route.cheap.api.key.file"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("route.cheap.api.key.file");
  }

  /** Writes the file anew with a modification time that differs, as a secret's rotation would. */
  private static void rewrite(Path file, String text) throws Exception {
    Instant before = Files.getLastModifiedTime(file).toInstant();
    Files.writeString(file, text);
    Files.setLastModifiedTime(file, FileTime.from(before.plusSeconds(5)));
  }
}
