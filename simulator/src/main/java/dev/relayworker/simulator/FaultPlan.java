package dev.relayworker.simulator;

import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Chooses the fault, if any, for each completion request: a fault a test bound to the request's
 * prompt ({@link #scriptForPrompt}, every time that prompt comes), else the next of the faults a
 * test scripted with {@link #scriptNext}, one per request in order, then a random draw by the
 * configured rates. Thread-safe.
 */
final class FaultPlan {

  private final ConcurrentLinkedQueue<Fault> scripted = new ConcurrentLinkedQueue<>();
  private final Map<String, Fault> byPrompt = new java.util.concurrent.ConcurrentHashMap<>();
  private final Random random;

  FaultPlan(long seed) {
    this.random = new Random(seed);
  }

  void scriptNext(Fault... faults) {
    scripted.addAll(java.util.List.of(faults));
  }

  void scriptForPrompt(String prompt, Fault fault) {
    byPrompt.put(prompt, fault);
  }

  Optional<Fault> next(Map<Fault, Double> rates, String prompt) {
    Fault bound = prompt == null ? null : byPrompt.get(prompt);
    if (bound != null) {
      return Optional.of(bound);
    }
    Fault fault = scripted.poll();
    if (fault != null) {
      return Optional.of(fault);
    }
    if (rates.isEmpty()) {
      return Optional.empty();
    }
    double draw = random.nextDouble();
    for (Map.Entry<Fault, Double> rate : rates.entrySet()) {
      draw -= rate.getValue();
      if (draw < 0) {
        return Optional.of(rate.getKey());
      }
    }
    return Optional.empty();
  }

  double nextUniform() {
    return random.nextDouble();
  }
}
