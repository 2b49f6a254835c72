package dev.relayworker.relay;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The hosts reached without the proxy, as {@code NO_PROXY} lists them (curl's reading): a
 * comma-separated list of host names, each matching itself and every name below it (a leading dot
 * changes nothing), IP addresses, CIDR ranges ({@code 10.0.0.0/8}), and {@code *} for every host;
 * ports after a colon are ignored. Immutable; pure.
 */
final class NoProxy {

  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|\\[?[0-9a-fA-F:]+\\]?");

  private final List<String> entries;

  private NoProxy(List<String> entries) {
    this.entries = entries;
  }

  static NoProxy parse(String list) {
    if (list == null) {
      return new NoProxy(List.of());
    }
    return new NoProxy(Stream.of(list.split(",")).map(String::strip).filter(entry -> !entry.isEmpty())
        .map(entry -> entry.toLowerCase(Locale.ROOT)).toList());
  }

  /** Whether {@code host} (a name or an IP literal) is reached directly. */
  boolean bypasses(String host) {
    String name = unbracket(host.toLowerCase(Locale.ROOT));
    for (String entry : entries) {
      if (entry.equals("*") || matches(name, entry)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(String host, String entry) {
    if (entry.contains("/")) {
      return inRange(host, entry);
    }
    String bare = stripPort(entry);
    bare = unbracket(bare.startsWith(".") ? bare.substring(1) : bare);
    return host.equals(bare) || host.endsWith("." + bare);
  }

  private static String stripPort(String entry) {
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      return close < 0 ? entry : entry.substring(0, close + 1);
    }
    int colon = entry.indexOf(':');
    // One colon is host:port; more are an IPv6 address.
    return colon >= 0 && entry.indexOf(':', colon + 1) < 0 ? entry.substring(0, colon) : entry;
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** Whether the IP literal {@code host} lies in the CIDR range {@code entry}; a name never does. */
  private static boolean inRange(String host, String entry) {
    int slash = entry.indexOf('/');
    String network = unbracket(entry.substring(0, slash));
    if (!IP_LITERAL.matcher(host).matches() || !IP_LITERAL.matcher(network).matches()) {
      return false;
    }
    try {
      byte[] address = InetAddress.getByName(host).getAddress();
      byte[] base = InetAddress.getByName(network).getAddress();
      int bits = Integer.parseInt(entry.substring(slash + 1));
      if (address.length != base.length || bits < 0 || bits > address.length * 8) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >>> (i % 8);
        if ((address[i / 8] & mask) != (base[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException | NumberFormatException e) {
      return false; // Literals only: nothing is looked up.
    }
  }
}
