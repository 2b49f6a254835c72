package dev.relayworker.relay;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Undoes the {@code Content-Encoding} of an answer. The worker asks for none
 * ({@code Accept-Encoding: identity}), but a relay or proxy that compresses anyway would otherwise
 * have its every answer read as "not JSON", retried and paid again. gzip and deflate are decoded,
 * within the same byte cap as any answer (so a small bomb cannot fill the heap); any other coding
 * is a final failure that names it: the same request would be answered the same way. Pure.
 */
final class AnswerEncoding {

  private AnswerEncoding() {}

  /**
   * The answer's body as the relay meant it.
   *
   * @param coding the {@code Content-Encoding} header, or null
   * @throws RelayException final, for a coding it cannot read, a body that does not decode, or one
   *     that decodes to more than {@code maxBytes}
   */
  static byte[] decode(String coding, byte[] body, int status, long maxBytes) {
    String name = coding == null ? "identity" : coding.strip().toLowerCase(Locale.ROOT);
    try {
      return switch (name) {
        case "", "identity" -> body;
        case "gzip", "x-gzip" -> bounded(new GZIPInputStream(new ByteArrayInputStream(body)), status, maxBytes);
        case "deflate" -> inflate(body, status, maxBytes);
        default -> throw unreadable(status, "Content-Encoding '" + AnswerReader.truncate(name)
            + "', which the worker did not ask for and cannot read");
      };
    } catch (IOException e) {
      throw unreadable(status, name + " body that does not decode (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** deflate as RFC 9110 means it (zlib), or the raw deflate some servers send under that name. */
  private static byte[] inflate(byte[] body, int status, long maxBytes) throws IOException {
    try {
      return bounded(new InflaterInputStream(new ByteArrayInputStream(body)), status, maxBytes);
    } catch (java.util.zip.ZipException notZlib) {
      return bounded(new InflaterInputStream(new ByteArrayInputStream(body), new Inflater(true)), status, maxBytes);
    }
  }

  private static byte[] bounded(InputStream in, int status, long maxBytes) throws IOException {
    try (in) {
      byte[] decoded = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (decoded.length > maxBytes) {
        throw AnswerTooLarge.cutOff(status, maxBytes).toRelayException();
      }
      return decoded;
    }
  }

  private static RelayException unreadable(int status, String what) {
    return new RelayException(FailureKind.FINAL, status, RelayError.NONE, null,
        "relay answered " + status + " with a " + what);
  }
}
