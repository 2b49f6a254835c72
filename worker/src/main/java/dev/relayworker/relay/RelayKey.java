package dev.relayworker.relay;

import dev.relayworker.config.ConfigValidators;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.kafka.common.config.types.Password;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay key a route sends, as a Bearer token. A key given as a value is fixed; a key read from
 * a file (a mounted secret) follows the file: it is read again when the file changes (looked at no
 * more than once every {@link #LOOK_EVERY}) and after the relay refused it ({@link #refused()}), so a
 * rotated secret heals a route held on a refused key without a restart. A file that cannot be read,
 * or holds something that cannot be a key, leaves the last good key in use (and says so, never
 * quoting either).
 *
 * <p>Text from elsewhere is {@linkplain #redact redacted} of every key this route has sent: the
 * current one and the one before it.
 *
 * <p>Thread-safe: calls on relay threads read a volatile snapshot; a re-read is synchronized and
 * happens on the thread of the call that found it due.
 */
public final class RelayKey {

  /** How often at most the file's size and time are looked at. */
  static final Duration LOOK_EVERY = Duration.ofSeconds(1);
  private static final Logger log = LoggerFactory.getLogger(RelayKey.class);

  /** The key in use, its header value and redactor, and the file's stamp it was read with. */
  private record Snapshot(Password key, String authorization, KeyRedactor redactor, KeyRedactor previous,
      String stamp) {}

  private final Path file;
  private final String setting;
  private final LongSupplier nanos;
  private volatile Snapshot current;
  private volatile long nextLook;
  private volatile boolean refused;

  private RelayKey(Password key, Path file, String setting, String stamp, LongSupplier nanos) {
    this.file = file;
    this.setting = setting;
    this.nanos = nanos;
    this.current = snapshot(key, null, stamp);
    this.nextLook = nanos.getAsLong() + LOOK_EVERY.toNanos();
  }

  /** A key given as a value: it never changes. */
  public static RelayKey fixed(Password key) {
    ConfigValidators.requireHeaderSafe("relay.api.key", key.value());
    return new RelayKey(key, null, null, null, System::nanoTime);
  }

  /**
   * The key in {@code file}, read now and again when the file changes.
   *
   * @param setting the setting naming the file, for messages
   * @throws org.apache.kafka.common.config.ConfigException naming {@code setting} when the file
   *     cannot be read or holds no usable key
   */
  public static RelayKey fromFile(Path file, String setting) {
    return fromFile(file, setting, System::nanoTime);
  }

  static RelayKey fromFile(Path file, String setting, LongSupplier nanos) {
    Objects.requireNonNull(file, "file");
    try {
      return new RelayKey(read(file, setting), file, setting, stamp(file), nanos);
    } catch (IOException e) {
      throw new org.apache.kafka.common.config.ConfigException("Cannot read the relay key from " + setting + " "
          + file + ": " + e.getClass().getSimpleName());
    }
  }

  /** The {@code Authorization} header value to send now ({@code Bearer <key>}). */
  public String authorization() {
    if (file != null && (refused || nanos.getAsLong() - nextLook >= 0)) {
      look();
    }
    return current.authorization();
  }

  /** The key in use now; call {@link Password#value()} only where the header is built. */
  public Password key() {
    authorization();
    return current.key();
  }

  /** The relay refused the key (401): a key file is read again before the next call. */
  public void refused() {
    refused = true;
  }

  /** {@code text} without the current key or the one before it, whatever form they take in it. */
  public String redact(String text) {
    Snapshot now = current;
    String redacted = now.redactor().redact(text);
    return now.previous() == null ? redacted : now.previous().redact(redacted);
  }

  private synchronized void look() {
    boolean forced = refused;
    refused = false;
    nextLook = nanos.getAsLong() + LOOK_EVERY.toNanos();
    Snapshot was = current;
    try {
      String stamp = stamp(file);
      if (!forced && stamp.equals(was.stamp())) {
        return;
      }
      Password key = read(file, setting);
      if (!key.value().equals(was.key().value())) {
        current = snapshot(key, was, stamp);
        log.info("relay key read again from {} {}: the file holds a new key, sent from now on", setting, file);
      } else {
        current = new Snapshot(was.key(), was.authorization(), was.redactor(), was.previous(), stamp);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("relay key file {} {} could not be read again ({}); the key read before stays in use", setting, file,
          e.getClass().getSimpleName());
    }
  }

  private static Snapshot snapshot(Password key, Snapshot before, String stamp) {
    return new Snapshot(key, "Bearer " + key.value(), new KeyRedactor(key.value()),
        before == null ? null : before.redactor(), stamp);
  }

  private static Password read(Path file, String setting) throws IOException {
    String value = Files.readString(file, StandardCharsets.UTF_8).strip();
    ConfigValidators.requireHeaderSafe(setting + " (" + file + ")", value);
    return new Password(value);
  }

  /** What changes when the file is written or replaced (a Kubernetes secret swaps a symlink). */
  private static String stamp(Path file) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
    return attributes.lastModifiedTime().toMillis() + "/" + attributes.size() + "/" + attributes.fileKey();
  }
}
