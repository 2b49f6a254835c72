package dev.relayworker.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;

/** One Prometheus text-format scrape, read just enough for tests: sums of samples by name and labels. */
public final class Scrape {

  /** One client for every scrape: a client per scrape would leave its idle connection open each time. */
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private final List<String> samples;

  private Scrape(List<String> samples) {
    this.samples = samples;
  }

  /** Scrapes {@code GET /metrics} of the admin endpoint on {@code port} of this host. */
  public static Scrape fetch(int port) {
    URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
    try {
      return of(CLIENT.send(HttpRequest.newBuilder(uri).build(),
          HttpResponse.BodyHandlers.ofString()).body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + uri + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted scraping " + uri, e);
    }
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
