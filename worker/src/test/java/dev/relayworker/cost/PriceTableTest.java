package dev.relayworker.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.relay.Usage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The relays' price formula over a table of models and groups. */
class PriceTableTest {

  private static final String TABLE = """
      {"quota_per_usd": 500000,
       "groups": {"default": 1, "vip": 1.5, "cheap": 0.5},
       "models": {
         "gpt-3.5-turbo-instruct": {"model_ratio": 0.75, "completion_ratio": 1.3333333333},
         "gpt-4o": {"usd_per_million_prompt": 2.5, "usd_per_million_completion": 10},
         "flat": {"model_ratio": 2}
       }}
      """;

  @ParameterizedTest(name = "{0} in {1}: {2} + {3} tokens = {4} quota")
  @CsvSource({
      // model, group, prompt, completion, quota = ceil((prompt + completion × completion_ratio) × model × group)
      "gpt-3.5-turbo-instruct, default, 1000, 500, 1250",   // (1000 + 666.67) × 0.75 = 1250
      "gpt-3.5-turbo-instruct, vip, 1000, 500, 1875",       // × 1.5
      "gpt-3.5-turbo-instruct, cheap, 7, 3, 5",             // (7 + 4) × 0.75 × 0.5 = 4.125
      "gpt-4o, default, 1000, 1000, 6250",                  // ratio 1.25, completion 4: 5000 × 1.25
      "gpt-4o, cheap, 1, 1, 4",                             // 5 × 1.25 × 0.5 = 3.125
      "flat, vip, 10, 10, 60",                              // completion ratio 1 when absent
      "GPT-4O, default, 1000, 1000, 6250",                  // found in any case
  })
  void pricesAsTheRelaysDo(String model, String group, long prompt, long completion, long quota) throws IOException {
    PriceTable table = PriceTable.parse(new ObjectMapper().readTree(TABLE), "test");

    CallCost cost = table.cost(model, group, new Usage(prompt, completion, prompt + completion));

    assertThat(cost.quota()).isEqualTo(quota);
    assertThat(cost.usd()).isEqualByComparingTo(BigDecimal.valueOf(quota).divide(BigDecimal.valueOf(500_000)));
    assertThat(cost.group()).isEqualTo(group);
  }

  @ParameterizedTest(name = "{0}: {1} prompt ({2} cached) + {3} completion = {4} quota")
  @CsvSource({
      // new-api: ceil((prompt − cached + cached × cache_ratio + completion × completion_ratio) × model × group)
      "gpt-4o, 1000, 800, 200, 1750",        // (200 + 800 × 0.5 + 200 × 4) × 1.25 = 1750
      "gpt-4o, 1000, 0, 200, 2250",          // no cache: (1000 + 800) × 1.25
      "gpt-4.1, 10000, 8000, 0, 4000",       // (2000 + 8000 × 0.25) × 1 = 4000
      "gpt-3.5-turbo-instruct, 1200, 1000, 300, 1200",  // no cache ratio known: cached tokens at full price
  })
  void pricesCachedPromptTokensAtTheModelsCacheRatio(String model, long prompt, long cached, long completion,
      long quota) {
    // Reasoning tokens are part of the completion and priced with it: they change nothing here.
    CallCost cost = PriceTable.defaults().cost(model, "default", new Usage(prompt, completion, prompt + completion,
        cached, completion / 2));

    assertThat(cost.quota()).isEqualTo(quota);
    assertThat(cost.cachedTokens()).isEqualTo(cached);
    assertThat(cost.reasoningTokens()).isEqualTo(completion / 2);
  }

  @Test
  void aCachePriceMayBeGivenAsARatioOrInUsdPerMillion() throws IOException {
    PriceTable table = PriceTable.parse(new ObjectMapper().readTree("{\"groups\":{\"default\":1},\"models\":{"
        + "\"by-ratio\":{\"model_ratio\":1,\"completion_ratio\":2,\"cache_ratio\":0.1},"
        + "\"by-usd\":{\"usd_per_million_prompt\":2,\"usd_per_million_completion\":4,"
        + "\"usd_per_million_cached_prompt\":0.2}}}"), "test");
    Usage usage = new Usage(1_000, 100, 1_100, 900, 0);

    // (100 + 900 × 0.1 + 100 × 2) × 1 = 390, both ways of writing the same price.
    assertThat(table.cost("by-ratio", "default", usage).quota()).isEqualTo(390);
    assertThat(table.cost("by-usd", "default", usage).quota()).isEqualTo(390);
  }

  @Test
  void theReadmesWorkedExample() {
    // gpt-3.5-turbo-instruct in the default table, group vip at 1 in it: 1,200 prompt and 300 completion tokens.
    CallCost cost = Pricing.defaults().table().cost("gpt-3.5-turbo-instruct", "vip", new Usage(1_200, 300, 1_500));

    assertThat(cost.quota()).isEqualTo(1_200);
    assertThat(cost.usd().toPlainString()).isEqualTo("0.0024");
  }

  @Test
  void aModelTheTableDoesNotKnowIsUnpricedUnlessAStarEntryPricesIt() throws IOException {
    PriceTable strict = PriceTable.parse(new ObjectMapper().readTree(TABLE), "test");
    PriceTable withStar = PriceTable.parse(new ObjectMapper().readTree(
        "{\"groups\":{\"default\":1},\"models\":{\"*\":{\"model_ratio\":1}}}"), "test");

    CallCost unpriced = strict.cost("claude-3-haiku", "default", new Usage(10, 10, 20));

    assertThat(unpriced.priced()).isFalse();
    assertThat(unpriced.usd()).isNull();
    assertThat(withStar.cost("claude-3-haiku", "default", new Usage(10, 10, 20)).quota()).isEqualTo(20);
  }

  @Test
  void theDefaultTableReadsAndKnowsTheDefaultGroups() {
    PriceTable defaults = PriceTable.defaults();

    assertThat(defaults.groupRatio("default")).contains(1.0);
    assertThat(defaults.groupRatio("vip")).isPresent();
    assertThat(defaults.price("gpt-4o-mini")).isPresent();
    assertThat(defaults.quotaPerUsd()).isEqualTo(500_000);
  }

  @Test
  void aBadTableOrAnUnknownGroupIsRefusedNamingTheEntry(@TempDir Path dir) throws IOException {
    Path bad = Files.writeString(dir.resolve("prices.json"), "{\"models\":{\"gpt-x\":{\"completion_ratio\":2}}}");
    PriceTable good = PriceTable.parse(new ObjectMapper().readTree(TABLE), "test");

    assertThatThrownBy(() -> PriceTable.read(bad)).hasMessageContaining("prices.json").hasMessageContaining("gpt-x")
        .hasMessageContaining("model_ratio");
    assertThatThrownBy(() -> new Pricing(good, "premium")).hasMessageContaining("'premium'");
  }
}
