package dev.relayworker.relay;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a server-sent event stream (the body of a {@code stream: true} answer) as it arrives, in
 * pieces of any size: lines end in LF, CR LF or CR; {@code data:} lines of one event are joined
 * with LF; {@code event:} names it; a line starting with {@code :} is a comment (a keep-alive);
 * a blank line ends the event. Fields other than {@code event} and {@code data} are ignored, as
 * the format says.
 *
 * <p>Bounded: an event larger than {@code maxEventBytes} fails the stream ({@link RelayException},
 * final), so a relay cannot grow one without end. Not thread-safe: one reader per stream, fed in
 * order.
 */
public final class SseReader {

  /** One event: its name ({@code message} when none was given) and its data. */
  public record Event(String name, String data) {}

  private final int maxEventBytes;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final StringBuilder data = new StringBuilder();
  private String name;
  private boolean hasData;
  private boolean afterCr;
  private int eventBytes;

  public SseReader(int maxEventBytes) {
    this.maxEventBytes = maxEventBytes;
  }

  /** The events that {@code bytes} complete, in order. */
  public List<Event> feed(byte[] bytes, int offset, int length) {
    List<Event> events = new ArrayList<>(0);
    for (int i = offset; i < offset + length; i++) {
      byte b = bytes[i];
      if (afterCr && b == '\n') {
        afterCr = false;
        continue; // The LF of a CR LF.
      }
      afterCr = b == '\r';
      if (b == '\n' || b == '\r') {
        endLine(events);
      } else {
        if (++eventBytes > maxEventBytes) {
          throw new RelayException(FailureKind.FINAL, 200, RelayError.NONE, null,
              "relay stream event over " + maxEventBytes + " bytes");
        }
        line.write(b);
      }
    }
    return events;
  }

  /** The events of {@code bytes}; see {@link #feed(byte[], int, int)}. */
  public List<Event> feed(byte[] bytes) {
    return feed(bytes, 0, bytes.length);
  }

  private void endLine(List<Event> events) {
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    if (text.isEmpty()) {
      if (hasData) {
        events.add(new Event(name == null ? "message" : name, data.toString()));
      }
      data.setLength(0);
      name = null;
      hasData = false;
      eventBytes = 0;
      return;
    }
    if (text.startsWith(":")) {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (field.equals("data")) {
      if (hasData) {
        data.append('\n');
      }
      data.append(value);
      hasData = true;
    } else if (field.equals("event")) {
      name = value;
    }
  }
}
