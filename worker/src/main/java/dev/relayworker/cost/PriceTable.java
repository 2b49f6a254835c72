package dev.relayworker.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.relay.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Prices of models and groups in the relay's own unit, quota, as the one-api / new-api relays
 * charge them: a call costs {@code ceil((prompt_tokens − cached_tokens + cached_tokens ×
 * cache_ratio + completion_tokens × completion_ratio) × model_ratio × group_ratio)} quota (new-api's
 * formula; one-api has no cache ratio, which is a cache ratio of 1), and
 * {@value #DEFAULT_QUOTA_PER_USD} quota are one US dollar (model ratio 1 is 0.002 USD per 1K tokens).
 *
 * <p>Read from a JSON file ({@code price.table.file}) or, by default, from the table shipped in the
 * jar ({@value #DEFAULT_RESOURCE}), a starting point to copy and correct: relays change prices
 * and operators set their own ratios.
 * <pre>{@code
 * {
 *   "quota_per_usd": 500000,
 *   "groups": {"default": 1, "vip": 1, "cheap": 0.5},
 *   "models": {
 *     "gpt-3.5-turbo-instruct": {"model_ratio": 0.75, "completion_ratio": 1.3333},
 *     "gpt-4o": {"model_ratio": 1.25, "completion_ratio": 4, "cache_ratio": 0.5},
 *     "gpt-4.1": {"usd_per_million_prompt": 2, "usd_per_million_completion": 8,
 *                 "usd_per_million_cached_prompt": 0.5},
 *     "*": {"model_ratio": 1, "completion_ratio": 1}
 *   }
 * }
 * }</pre>
 * A model is found by its exact name, then case-insensitively, then {@code *}; a model the table
 * does not know and no {@code *} is unpriced ({@link CallCost#priced()} false).
 *
 * <p>Immutable and thread-safe.
 */
public final class PriceTable {

  public static final long DEFAULT_QUOTA_PER_USD = 500_000;
  public static final String DEFAULT_RESOURCE = "/dev/relayworker/cost/default-prices.json";
  private static final String ANY_MODEL = "*";

  private final long quotaPerUsd;
  private final Map<String, Double> groups;
  private final Map<String, ModelPrice> models;
  private final Map<String, ModelPrice> modelsFolded;
  /** The smallest k with 10^k a multiple of quotaPerUsd (6 for 500,000), or -1 when there is none up to 18. */
  private final int usdScale;
  private final long usdUnitsPerQuota;

  PriceTable(long quotaPerUsd, Map<String, Double> groups, Map<String, ModelPrice> models) {
    this.quotaPerUsd = quotaPerUsd;
    this.groups = Map.copyOf(groups);
    this.models = Map.copyOf(models);
    Map<String, ModelPrice> folded = new HashMap<>();
    models.forEach((name, price) -> folded.putIfAbsent(name.toLowerCase(Locale.ROOT), price));
    this.modelsFolded = Map.copyOf(folded);
    int scale = -1;
    long power = 1;
    for (int digits = 0; digits <= 18; digits++, power *= 10) {
      if (power % quotaPerUsd == 0) {
        scale = digits;
        break;
      }
    }
    this.usdScale = scale;
    this.usdUnitsPerQuota = scale < 0 ? 0 : power / quotaPerUsd;
  }

  /** The table shipped in the jar. */
  public static PriceTable defaults() {
    try (InputStream in = PriceTable.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks " + DEFAULT_RESOURCE);
      }
      return parse(new ObjectMapper().readTree(in), DEFAULT_RESOURCE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DEFAULT_RESOURCE, e);
    }
  }

  /**
   * Reads a table from a JSON file.
   *
   * @throws IllegalArgumentException naming the file and the entry that is wrong
   */
  public static PriceTable read(Path file) {
    try {
      return parse(new ObjectMapper().readTree(Files.readAllBytes(file)), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read price table " + file + ": " + e.getMessage(), e);
    }
  }

  static PriceTable parse(JsonNode root, String source) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("price table " + source + " must be a JSON object");
    }
    long quotaPerUsd = root.path("quota_per_usd").asLong(DEFAULT_QUOTA_PER_USD);
    if (quotaPerUsd <= 0) {
      throw new IllegalArgumentException("price table " + source + ": quota_per_usd must be positive");
    }
    Map<String, Double> groups = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("groups").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> group = it.next();
      double ratio = group.getValue().asDouble(-1);
      if (!group.getValue().isNumber() || !(ratio >= 0) || Double.isInfinite(ratio)) {
        throw new IllegalArgumentException("price table " + source + ": group '" + group.getKey()
            + "' needs a ratio of 0 or more, was " + group.getValue());
      }
      groups.put(group.getKey(), ratio);
    }
    Map<String, ModelPrice> models = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("models").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> model = it.next();
      try {
        models.put(model.getKey(), price(model.getValue()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("price table " + source + ": model '" + model.getKey() + "': "
            + e.getMessage(), e);
      }
    }
    return new PriceTable(quotaPerUsd, groups, models);
  }

  private static ModelPrice price(JsonNode entry) {
    if (entry.has("usd_per_million_prompt") || entry.has("usd_per_million_completion")) {
      return ModelPrice.ofUsdPerMillion(number(entry, "usd_per_million_prompt"),
          number(entry, "usd_per_million_completion"),
          entry.has("usd_per_million_cached_prompt") ? number(entry, "usd_per_million_cached_prompt") : -1);
    }
    if (!entry.has("model_ratio")) {
      throw new IllegalArgumentException("give model_ratio (and completion_ratio), or usd_per_million_prompt and"
          + " usd_per_million_completion");
    }
    return new ModelPrice(number(entry, "model_ratio"),
        entry.has("completion_ratio") ? number(entry, "completion_ratio") : 1.0,
        entry.has("cache_ratio") ? number(entry, "cache_ratio") : ModelPrice.NO_CACHE_DISCOUNT);
  }

  private static double number(JsonNode entry, String field) {
    JsonNode value = entry.get(field);
    if (value == null || !value.isNumber()) {
      throw new IllegalArgumentException(field + " must be a number, was " + value);
    }
    return value.asDouble();
  }

  public long quotaPerUsd() {
    return quotaPerUsd;
  }

  /** This table with {@code group}'s ratio set to {@code ratio} (added when the table lacks it). */
  public PriceTable withGroupRatio(String group, double ratio) {
    if (!(ratio >= 0)) {
      throw new IllegalArgumentException("a group ratio must not be negative, was " + ratio);
    }
    Map<String, Double> changed = new HashMap<>(groups);
    changed.put(group, ratio);
    return new PriceTable(quotaPerUsd, changed, models);
  }

  /**
   * Quota per million prompt and per million completion tokens of {@code model} in {@code group}
   * together: what orders routes by price. Empty when the table cannot price the model.
   */
  public Optional<Double> quotaPerMillionTokens(String model, String group) {
    double groupRatio = groups.getOrDefault(group, 1.0);
    return price(model).map(price -> (1 + price.completionRatio()) * price.modelRatio() * groupRatio * 1_000_000);
  }

  /** The ratio of {@code group}, if the table names it. */
  public Optional<Double> groupRatio(String group) {
    return Optional.ofNullable(groups.get(group));
  }

  /** The price of {@code model}: exact name, then any case, then {@code *}. */
  public Optional<ModelPrice> price(String model) {
    if (model != null) {
      ModelPrice exact = models.get(model);
      if (exact != null) {
        return Optional.of(exact);
      }
      ModelPrice folded = modelsFolded.get(model.toLowerCase(Locale.ROOT));
      if (folded != null) {
        return Optional.of(folded);
      }
    }
    return Optional.ofNullable(models.get(ANY_MODEL));
  }

  /**
   * What a call of {@code model} in {@code group} that used {@code usage} cost.
   *
   * @param group a group the table names (checked at start-up: {@link #groupRatio})
   */
  public CallCost cost(String model, String group, Usage usage) {
    double groupRatio = groups.getOrDefault(group, 1.0);
    Optional<ModelPrice> price = price(model);
    if (price.isEmpty()) {
      return new CallCost(model, group, usage, -1, null);
    }
    long quota = quota(price.get(), groupRatio, usage);
    return new CallCost(model, group, usage, quota, usd(quota), kinds(price.get(), groupRatio, usage));
  }

  /** {@code quota} in US dollars, exactly (500,000 quota per USD gives at most six decimals). */
  public BigDecimal usd(long quota) {
    BigDecimal usd = usdScale >= 0 && quota <= Long.MAX_VALUE / usdUnitsPerQuota
        // No division on the path of every answer: 1 quota is usdUnitsPerQuota units of 10^-usdScale USD.
        ? BigDecimal.valueOf(quota * usdUnitsPerQuota, usdScale)
        : BigDecimal.valueOf(quota).divide(BigDecimal.valueOf(quotaPerUsd), MathContext.DECIMAL64);
    return usd.signum() == 0 ? BigDecimal.ZERO : usd.stripTrailingZeros();
  }

  /** The formula's three terms, each in USD. */
  private CallCost.Kinds kinds(ModelPrice price, double groupRatio, Usage usage) {
    double perToken = price.modelRatio() * groupRatio / quotaPerUsd;
    return new CallCost.Kinds((usage.promptTokens() - usage.cachedTokens()) * perToken,
        usage.cachedTokens() * price.cacheRatio() * perToken, usage.completionTokens() * price.completionRatio() * perToken);
  }

  /**
   * The relays' formula, on usage the worker believes ({@link Usage#within}: no more cached tokens
   * than prompt tokens); the small epsilon keeps 0.75 × 4 from rounding up to 4 through a float
   * error.
   */
  static long quota(ModelPrice price, double groupRatio, Usage usage) {
    double prompt = usage.promptTokens() - usage.cachedTokens() + usage.cachedTokens() * price.cacheRatio();
    double exact = (prompt + usage.completionTokens() * price.completionRatio()) * price.modelRatio() * groupRatio;
    return (long) Math.ceil(exact - 1e-9);
  }
}
