package dev.relayworker.relay;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
  /** The line read so far, {@code lineLength} bytes of it; grows up to the event limit. */
  private byte[] line = new byte[256];
  private int lineLength;
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
    int end = offset + length;
    int i = offset;
    while (i < end) {
      if (afterCr) {
        afterCr = false;
        if (bytes[i] == '\n') {
          i++; // The LF of a CR LF.
          continue;
        }
      }
      // Lines are copied a run at a time, not byte by byte: a stream is mostly long data lines.
      int lineEnd = i;
      while (lineEnd < end && bytes[lineEnd] != '\n' && bytes[lineEnd] != '\r') {
        lineEnd++;
      }
      append(bytes, i, lineEnd - i);
      if (lineEnd == end) {
        break;
      }
      afterCr = bytes[lineEnd] == '\r';
      endLine(events);
      i = lineEnd + 1;
    }
    return events;
  }

  private void append(byte[] bytes, int from, int count) {
    if (count == 0) {
      return;
    }
    eventBytes += count;
    if (eventBytes > maxEventBytes || eventBytes < 0) {
      throw new RelayException(FailureKind.FINAL, 200, RelayError.NONE, null,
          "relay stream event over " + maxEventBytes + " bytes");
    }
    if (lineLength + count > line.length) {
      line = Arrays.copyOf(line, Math.max(lineLength + count, Math.min(maxEventBytes, line.length * 2)));
    }
    System.arraycopy(bytes, from, line, lineLength, count);
    lineLength += count;
  }

  /** The events of {@code bytes}; see {@link #feed(byte[], int, int)}. */
  public List<Event> feed(byte[] bytes) {
    return feed(bytes, 0, bytes.length);
  }

  private void endLine(List<Event> events) {
    String text = new String(line, 0, lineLength, StandardCharsets.UTF_8);
    lineLength = 0;
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
