package dev.relayworker.testkit;

import java.util.Arrays;
import java.util.List;

/** One Prometheus text-format scrape, read just enough for tests: sums of samples by name and labels. */
public final class Scrape {

  private final List<String> samples;

  private Scrape(List<String> samples) {
    this.samples = samples;
  }

  public static Scrape of(String text) {
    return new Scrape(Arrays.stream(text.split("\n")).filter(line -> !line.startsWith("#") && !line.isBlank()).toList());
  }

  /** Whether any sample of this exact name is present. */
  public boolean has(String name) {
    return samples.stream().anyMatch(line -> sampleName(line).equals(name));
  }

  /** The sum of the samples named {@code name} whose labels contain every one of {@code labels}; 0 if none. */
  public double value(String name, String... labels) {
    return samples.stream()
        .filter(line -> sampleName(line).equals(name))
        .filter(line -> Arrays.stream(labels).allMatch(line::contains))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static String sampleName(String line) {
    int end = line.indexOf('{');
    return end >= 0 ? line.substring(0, end) : line.substring(0, line.indexOf(' '));
  }
}
