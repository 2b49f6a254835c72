package dev.relayworker.config;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * Reads a setting of named amounts, {@code 'svc-a=2; svc-b=10.5; *=1'}: a name (a caller, a
 * model; {@code *} for every one not named) and a non-negative number per entry. Stateless; fails
 * with a {@link ConfigException} naming the setting and the entry.
 */
public final class NamedAmounts {

  private NamedAmounts() {}

  /** The amounts of {@code setting}, in the order written; empty when it is blank. */
  public static Map<String, Double> read(WorkerConfig config, String setting) {
    String value = config.getString(setting);
    Map<String, Double> amounts = new LinkedHashMap<>();
    for (String entry : value.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      int equals = entry.lastIndexOf('=');
      String name = equals < 0 ? "" : entry.substring(0, equals).trim();
      Double amount = equals < 0 ? null : number(entry.substring(equals + 1).trim());
      if (name.isEmpty() || name.length() > 256 || amount == null) {
        throw new ConfigException(setting, value, "entry '" + entry.trim() + "' is not name=amount, with a name of"
            + " at most 256 characters and an amount of 0 or more");
      }
      if (amounts.put(name, amount) != null) {
        throw new ConfigException(setting, value, "'" + name + "' has two entries");
      }
    }
    return amounts;
  }

  private static Double number(String text) {
    try {
      double amount = Double.parseDouble(text);
      return Double.isFinite(amount) && amount >= 0 ? amount : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
