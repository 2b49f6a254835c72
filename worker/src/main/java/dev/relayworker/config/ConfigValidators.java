package dev.relayworker.config;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Validators for {@link WorkerConfig} settings that Kafka's {@link ConfigDef} has none for.
 * Each fails with a {@link ConfigException} naming the setting; the one for secrets never puts
 * the value in its message. Stateless and thread-safe.
 */
public final class ConfigValidators {

  private ConfigValidators() {}

  /** A regular expression that compiles. */
  static final ConfigDef.Validator REGEX = new ConfigDef.Validator() {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        Pattern.compile((String) value);
      } catch (PatternSyntaxException e) {
        throw new ConfigException(name, value, "not a valid regular expression: " + e.getDescription());
      }
    }

    @Override
    public String toString() {
      return "a Java regular expression";
    }
  };

  /** A name that tags metrics and replies: not blank, at most 100 characters. */
  static final ConfigDef.Validator SHORT_NAME = new ConfigDef.Validator() {
    @Override
    public void ensureValid(String name, Object value) {
      String text = value == null ? "" : String.valueOf(value);
      if (text.isBlank() || text.length() > 100) {
        throw new ConfigException(name, value, "must be 1 to 100 characters, not blank");
      }
    }

    @Override
    public String toString() {
      return "1 to 100 characters";
    }
  };

  /** A list of distinct route names: letters, digits, '_' and '-'. */
  static final ConfigDef.Validator ROUTE_NAMES = new ConfigDef.Validator() {
    @Override
    public void ensureValid(String name, Object value) {
      java.util.List<?> names = (java.util.List<?>) value;
      for (Object route : names) {
        if (!RouteSettings.NAME.matcher(String.valueOf(route)).matches()) {
          throw new ConfigException(name, value, "route '" + route + "' is not 1 to 64 letters, digits, '_' and '-'");
        }
      }
      if (new java.util.HashSet<>(names).size() != names.size()) {
        throw new ConfigException(name, value, "a route is named twice");
      }
    }

    @Override
    public String toString() {
      return "distinct names of letters, digits, '_' and '-'";
    }
  };

  /** A {@code routing.models} value: {@code model=route,route; *=route}. */
  static final ConfigDef.Validator MODEL_ROUTES = new ConfigDef.Validator() {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        RouteSettings.modelRoutes((String) value);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, value, e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "model=route[,route...] entries separated by ';'";
    }
  };

  /**
   * A secret that can travel in an HTTP header: printable ASCII, no spaces. A key pasted with a
   * trailing newline, tab or zero-width space would otherwise pass here and fail on every call,
   * inside the HTTP client, whose message then quotes the whole header.
   */
  static final ConfigDef.Validator HEADER_SAFE_SECRET = new ConfigDef.Validator() {
    @Override
    public void ensureValid(String name, Object value) {
      if (value != null) { // Not set here: WorkerConfig#relayApiKey looks for it elsewhere.
        requireHeaderSafe(name, ((Password) value).value());
      }
    }

    @Override
    public String toString() {
      return "printable ASCII, no spaces";
    }
  };

  /**
   * Fails, naming {@code name} but never quoting {@code secret}, unless the secret is non-empty
   * printable ASCII without spaces.
   */
  public static void requireHeaderSafe(String name, String secret) {
    if (secret == null || secret.isEmpty()) {
      throw new ConfigException("Invalid value for configuration " + name + ": must not be empty");
    }
    for (int i = 0; i < secret.length(); i++) {
      char c = secret.charAt(i);
      if (c <= ' ' || c > '~') {
        // The position and the kind of character help find a paste error; the value stays hidden.
        throw new ConfigException(String.format("Invalid value for configuration %s: character %d of %d is %s;"
            + " a key must be printable ASCII without spaces (check for a pasted space, newline or invisible"
            + " character)", name, i + 1, secret.length(), describe(c)));
      }
    }
  }

  private static String describe(char c) {
    if (c == ' ') {
      return "a space";
    }
    return Character.isISOControl(c) ? String.format("the control character U+%04X", (int) c)
        : String.format("the non-ASCII character U+%04X", (int) c);
  }
}
