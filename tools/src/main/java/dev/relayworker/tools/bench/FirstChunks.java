package dev.relayworker.tools.bench;

import dev.relayworker.simulator.SimulatorStats;
import dev.relayworker.tools.Percentiles;
import java.time.Duration;
import java.util.Arrays;

/**
 * When streamed requests' first chunks were read, against when the relay wrote its first token:
 * {@code added}, from the request's send less the relay's time to first token (what the reader
 * waits beyond the relay's own first token, Kafka both ways and the worker included), and
 * {@code path}, from the relay's first token (the call's arrival at the simulator plus its
 * latency, on the bench's clock) to the read. NaN where nothing was streamed. Immutable.
 */
record FirstChunks(double addedP50, double addedP99, double pathP50, double pathP99) {

  static FirstChunks of(RequestDriver.Phase phase, SimulatorStats stats, Duration firstToken) {
    if (phase.firstChunkNanos() == null) {
      return new FirstChunks(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    long[] arrival = new long[phase.requests()];
    String prefix = phase.name() + " ";
    for (SimulatorStats.Call call : stats.callLog()) {
      if (call.prompt() != null && call.prompt().startsWith(prefix)) {
        int index = Integer.parseInt(call.prompt().substring(prefix.length()));
        if (index < arrival.length && arrival[index] == 0) {
          arrival[index] = call.arrivalNanos(); // The first call: a retry's chunks would come later.
        }
      }
    }
    double[] added = new double[phase.requests()];
    double[] path = new double[phase.requests()];
    int measured = 0;
    for (int i = 0; i < phase.requests(); i++) {
      long first = phase.firstChunkNanos()[i];
      if (first != 0 && arrival[i] != 0) {
        added[measured] = (first - phase.sentNanos()[i] - firstToken.toNanos()) / 1e6;
        path[measured] = (first - arrival[i] - firstToken.toNanos()) / 1e6;
        measured++;
      }
    }
    double[] addedSorted = Arrays.copyOf(added, measured);
    double[] pathSorted = Arrays.copyOf(path, measured);
    Arrays.sort(addedSorted);
    Arrays.sort(pathSorted);
    return new FirstChunks(Percentiles.of(addedSorted, 50), Percentiles.of(addedSorted, 99),
        Percentiles.of(pathSorted, 50), Percentiles.of(pathSorted, 99));
  }
}
