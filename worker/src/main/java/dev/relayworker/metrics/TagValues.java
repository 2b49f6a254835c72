package dev.relayworker.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The values one tag may take, when they come from outside (model names from requests and relays,
 * status codes from relays): the first {@code limit} distinct ones keep their own series, cut to
 * {@value #MAX_CHARS} characters; any later one is counted under {@value #OTHER}. A registry keeps
 * every series it was ever given, so an unbounded tag would be a memory leak one request at a time.
 *
 * <p>Thread-safe; once a value is known, looking it up takes no lock.
 */
final class TagValues {

  static final String OTHER = "other";
  static final int MAX_CHARS = 100;

  private final int limit;
  private final Set<String> known = ConcurrentHashMap.newKeySet();

  TagValues(int limit) {
    this.limit = limit;
  }

  /** The tag value {@code value} is counted under. */
  String of(String value) {
    String cut = value.length() > MAX_CHARS ? value.substring(0, MAX_CHARS) : value;
    if (known.contains(cut)) {
      return cut;
    }
    synchronized (known) {
      if (known.size() < limit) {
        known.add(cut);
        return cut;
      }
    }
    return known.contains(cut) ? cut : OTHER;
  }
}
