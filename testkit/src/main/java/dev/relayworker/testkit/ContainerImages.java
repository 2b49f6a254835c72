package dev.relayworker.testkit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.PullResponseItem;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;
import org.testcontainers.utility.TestcontainersConfiguration;

/**
 * Which container image a test may run, decided without ever waiting long: Testcontainers left to
 * itself pulls a missing image and, with a Docker engine but no registry (an air-gapped CI), waits
 * in the pull for many minutes. Here an image is used when the engine already holds it, or when a
 * pull finishes within {@link #PULL_WAIT}; otherwise the caller is told why not.
 *
 * <p>Stateless; any thread.
 */
public final class ContainerImages {

  /** Turns Testcontainers' reaper container off: its image needs a registry too; the broker extension stops its container itself. */
  public static final String REAPER_OFF = "TESTCONTAINERS_RYUK_DISABLED";
  /** Turns Testcontainers' start-up checks off: they pull an image too. */
  public static final String CHECKS_OFF = "TESTCONTAINERS_CHECKS_DISABLE";
  /** How long a pull may take before the image counts as not at hand. */
  public static final Duration PULL_WAIT = Duration.ofSeconds(20);

  private ContainerImages() {}

  /** The image to run, or null with the reason. */
  public record Choice(String name, String why) {}

  /**
   * The Kafka image to run: {@code official} if the engine holds it or pulls it in time, else
   * {@code local} (built by {@code bin/local-images}) if the engine holds it, else none.
   *
   * @param required fail instead of answering "none" (the broker was forced to a container)
   */
  public static Choice kafka(String official, String local, boolean required) {
    Choice choice = choose(official, local);
    if (choice.name() == null && required) {
      throw new IllegalStateException("a container broker was asked for, but " + choice.why());
    }
    return choice;
  }

  private static Choice choose(String official, String local) {
    DockerClient docker = engine();
    if (docker == null) {
      return new Choice(null, "no Docker engine answers");
    }
    String reaper = TestcontainersConfiguration.getInstance().getRyukImage();
    if (!"true".equalsIgnoreCase(System.getenv(REAPER_OFF)) && !held(docker, reaper)) {
      return new Choice(null, "Testcontainers' reaper image " + reaper + " is not here and " + REAPER_OFF
          + " is not true (the build sets it)");
    }
    if (!"true".equalsIgnoreCase(System.getenv(CHECKS_OFF))) {
      return new Choice(null, CHECKS_OFF + " is not true (the build sets it): Testcontainers' checks would pull an"
          + " image first");
    }
    if (held(docker, official)) {
      return new Choice(official, null);
    }
    if (held(docker, local)) {
      return new Choice(local, null);
    }
    if (pulled(docker, official)) {
      return new Choice(official, null);
    }
    return new Choice(null, "the engine holds neither " + official + " nor " + local + " and could not pull "
        + official + " within " + PULL_WAIT.toSeconds() + " s (no registry? bin/local-images builds " + local + ")");
  }

  /**
   * A client of the engine Testcontainers would use, or null when none answers a ping. Our own
   * client: Testcontainers' {@code client()} (and {@code isDockerAvailable()}) first runs its
   * start-up checks and reaper, each pulling an image, which without a registry takes minutes.
   */
  private static DockerClient engine() {
    try {
      DockerClient docker = DockerClientProviderStrategy.getClientForConfig(DockerClientFactory.instance()
          .getTransportConfig());
      docker.pingCmd().exec();
      return docker;
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  /** Whether the engine holds {@code image}. */
  public static boolean held(DockerClient docker, String image) {
    try {
      docker.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private static boolean pulled(DockerClient docker, String image) {
    // Closing the callback on the way out gives up a pull still waiting for a registry.
    try (ResultCallback.Adapter<PullResponseItem> pull = docker.pullImageCmd(image).start()) {
      return pull.awaitCompletion(PULL_WAIT.toMillis(), TimeUnit.MILLISECONDS) && held(docker, image);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
