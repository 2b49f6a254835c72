package dev.relayworker.resilience;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Spend caps that hold over every route: per caller ({@code budget.caller.usd.per.*}) and per
 * model ({@code budget.model.usd.per.*}). A named caller or model has caps of its own; {@code *}
 * is one set of caps shared by every caller (or model) not named, so a producer cannot escape a
 * cap by inventing names. Each is a {@link SpendBudget} in quota at {@value #QUOTA_PER_USD} per
 * USD (whatever the routes' tables say), scoped {@code caller:<name>} or {@code model:<name>} in
 * the spend ledger, held at the worker's share like a route's.
 *
 * <p>Immutable map of thread-safe budgets; any thread.
 */
public final class ScopedBudgets {

  /** The unit of scoped caps: quota as the relays' default table counts it. */
  public static final long QUOTA_PER_USD = 500_000;
  /** The entry that stands for every name not listed. */
  public static final String ANY = "*";

  private final Map<String, SpendBudget> callers;
  private final Map<String, SpendBudget> models;

  private ScopedBudgets(Map<String, SpendBudget> callers, Map<String, SpendBudget> models) {
    this.callers = callers;
    this.models = models;
  }

  /** No caller or model caps. */
  public static ScopedBudgets none() {
    return new ScopedBudgets(Map.of(), Map.of());
  }

  /**
   * @param callerHourUsd caller name (or {@code *}) to its cap per hour in USD; likewise the others
   * @param clock the wall clock the windows follow
   */
  public static ScopedBudgets of(Map<String, Double> callerHourUsd, Map<String, Double> callerDayUsd,
      Map<String, Double> modelHourUsd, Map<String, Double> modelDayUsd, Clock clock) {
    return new ScopedBudgets(budgets("caller:", callerHourUsd, callerDayUsd, clock),
        budgets("model:", modelHourUsd, modelDayUsd, clock));
  }

  private static Map<String, SpendBudget> budgets(String kind, Map<String, Double> hour, Map<String, Double> day,
      Clock clock) {
    Map<String, SpendBudget> budgets = new LinkedHashMap<>();
    List<String> names = new ArrayList<>(hour.keySet());
    day.keySet().stream().filter(name -> !hour.containsKey(name)).forEach(names::add);
    for (String name : names) {
      budgets.put(name, new SpendBudget(kind + name, quota(hour.get(name)), quota(day.get(name)), QUOTA_PER_USD, clock));
    }
    return Map.copyOf(budgets);
  }

  private static long quota(Double usd) {
    return usd == null ? 0 : (long) Math.ceil(usd * QUOTA_PER_USD);
  }

  /** Whether any caller or model cap is set. */
  public boolean any() {
    return !callers.isEmpty() || !models.isEmpty();
  }

  /** The budgets a request of {@code caller} (null: none named) and {@code model} counts against: none, one or two. */
  List<SpendBudget> of(String caller, String model) {
    if (!any()) {
      return List.of();
    }
    List<SpendBudget> found = new ArrayList<>(2);
    SpendBudget byCaller = caller != null && callers.containsKey(caller) ? callers.get(caller) : callers.get(ANY);
    SpendBudget byModel = model != null && models.containsKey(model) ? models.get(model) : models.get(ANY);
    if (byCaller != null) {
      found.add(byCaller);
    }
    if (byModel != null) {
      found.add(byModel);
    }
    return found;
  }

  /** The hold of the first of {@code caller}'s and {@code model}'s caps that is reached now; null when none. */
  public Hold hold(String caller, String model) {
    for (SpendBudget budget : of(caller, model)) {
      Hold hold = budget.hold();
      if (hold != null) {
        return hold;
      }
    }
    return null;
  }

  /** Every caller and model budget. */
  public Collection<SpendBudget> all() {
    List<SpendBudget> all = new ArrayList<>(callers.values());
    all.addAll(models.values());
    return all;
  }

  /** Starts every scoped window from the spend record and holds at {@code fraction} of what is left. */
  public void rebase(double fraction, SpendRecord record) {
    all().forEach(budget -> budget.rebase(fraction, record));
  }

  /** Holds at {@code fraction} of every scoped cap. */
  public void share(double fraction) {
    all().forEach(budget -> budget.share(fraction));
  }
}
