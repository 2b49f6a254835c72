package dev.relayworker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.config.ConfigLoader;
import dev.relayworker.config.WorkerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README and the docs/ pages as a reader follows them: every relative link leads to a file
 * that exists and, when it names a heading, to that heading; every setting has its row in the
 * configuration reference. Runs from the project's top directory.
 */
class DocsTest {

  /** A Markdown link's target: {@code [text](target)}, not an image. */
  private static final Pattern LINK = Pattern.compile("(?<!!)\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6} (.+)$");

  @Test
  void everyRelativeLinkInTheReadmeAndDocsLeadsToAFileAndHeadingThatExist() throws IOException {
    List<String> broken = new ArrayList<>();
    for (Path page : pages()) {
      Matcher link = LINK.matcher(prose(page));
      while (link.find()) {
        String target = link.group(1);
        if (target.contains("://") || target.startsWith("mailto:")) {
          continue;
        }
        String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
        Path resolved = file.isEmpty() ? page : page.resolveSibling(file).normalize();
        if (!Files.exists(resolved)) {
          broken.add(page + ": " + target + " (no file " + resolved + ")");
        } else if (anchor != null && !anchors(resolved).contains(anchor)) {
          broken.add(page + ": " + target + " (no heading #" + anchor + " in " + resolved + ")");
        }
      }
    }
    assertThat(broken).as("links that lead nowhere").isEmpty();
  }

  @Test
  void everySettingHasItsRowInTheConfigurationReference() throws IOException {
    String reference = Files.readString(Path.of("docs", "configuration.md"));

    for (String setting : WorkerConfig.DEFINITION.names()) {
      assertThat(reference).as(setting).contains("| `" + setting + "` |");
    }
  }

  /** The routes example is a configuration the worker takes as the README says: two routes, premium's group vip. */
  @Test
  void theReadmesRoutesExampleIsAConfigurationTheWorkerTakes(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("worker.properties");
    Files.writeString(file, fencedBlock(Path.of("README.md"), "```properties"));

    WorkerConfig config = ConfigLoader.load(file, Map.of("KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
        "RELAY_BASE_URL", "https://relay.example.com", "BULK_KEY", "sk-bulk"));

    assertThat(config.routeNames()).containsExactly("bulk", "premium");
    assertThat(config.forRoute("premium").getString(WorkerConfig.RELAY_GROUP)).isEqualTo("vip");
    assertThat(config.forRoute("bulk").getString(WorkerConfig.RELAY_BASE_URL)).isEqualTo("https://relay.example.com");
  }

  @Test
  void theReadmeStaysAFrontDoor() throws IOException {
    long lines = Files.readAllLines(Path.of("README.md")).size();

    assertThat(lines).as("README.md lines: guides and reference belong in docs/").isLessThan(250);
  }

  private static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** The first fenced block of {@code page} opened by {@code fence}. */
  private static String fencedBlock(Path page, String fence) throws IOException {
    StringBuilder block = new StringBuilder();
    boolean in = false;
    for (String line : Files.readAllLines(page)) {
      if (!in && line.equals(fence)) {
        in = true;
      } else if (in && line.startsWith("```")) {
        return block.toString();
      } else if (in) {
        block.append(line).append('\n');
      }
    }
    throw new AssertionError("no " + fence + " block in " + page);
  }

  /** The page without its fenced code blocks, where a bracket is code, not a link. */
  private static String prose(Path page) throws IOException {
    StringBuilder prose = new StringBuilder();
    boolean code = false;
    for (String line : Files.readAllLines(page)) {
      if (line.startsWith("```")) {
        code = !code;
      } else if (!code) {
        prose.append(line).append('\n');
      }
    }
    return prose.toString();
  }

  /** The anchors GitHub gives the page's headings: lower case, punctuation dropped, spaces as hyphens. */
  private static Set<String> anchors(Path page) throws IOException {
    Set<String> anchors = new HashSet<>();
    for (String line : prose(page).split("\n")) {
      Matcher heading = HEADING.matcher(line);
      if (heading.matches()) {
        anchors.add(heading.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
      }
    }
    return anchors;
  }
}
