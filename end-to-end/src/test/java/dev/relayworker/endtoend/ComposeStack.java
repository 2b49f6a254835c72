package dev.relayworker.endtoend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * docker-compose.yml run for real, under a project name of its own, through the {@code docker} and
 * {@code docker-compose} commands an operator uses. Uses the official images where the engine holds
 * them, else {@code bin/local-images}' stand-ins (a machine without a registry).
 */
final class ComposeStack implements AutoCloseable {

  private static final String[][] IMAGES = {
      {"BUILD_IMAGE", "maven:3.9-eclipse-temurin-17", "relay-worker-local/jdk:17"},
      {"RUNTIME_IMAGE", "eclipse-temurin:17-jre", "relay-worker-local/jre:17"},
      {"KAFKA_IMAGE", "apache/kafka:4.3.1", "relay-worker-local/kafka:4.3.1"}};

  final String project;
  private final Map<String, String> environment = new HashMap<>();

  private ComposeStack(String project) {
    this.project = project;
  }

  /** Why the stack cannot run here, or null when it can. */
  static String unavailable() {
    if (run(60, "docker", "info").exit != 0) {
      return "no Docker engine answers";
    }
    if (run(60, "docker-compose", "version").exit != 0) {
      return "no docker-compose command";
    }
    for (String[] image : IMAGES) {
      if (!held(image[1]) && !held(image[2])) {
        return "the engine holds neither " + image[1] + " nor " + image[2] + " (bin/local-images builds the latter)";
      }
    }
    return null;
  }

  /** A stack of {@code project}, with the images at hand. */
  static ComposeStack of(String project) {
    ComposeStack stack = new ComposeStack(project);
    for (String[] image : IMAGES) {
      stack.environment.put(image[0], held(image[1]) ? image[1] : image[2]);
    }
    return stack;
  }

  /** {@code docker-compose -p PROJECT args...}; fails with its output unless it exits 0. */
  String compose(long timeoutSeconds, String... args) {
    List<String> command = new ArrayList<>(List.of("docker-compose", "-p", project));
    command.addAll(List.of(args));
    Result result = run(timeoutSeconds, environment, command.toArray(String[]::new));
    if (result.exit != 0) {
      throw new AssertionError(String.join(" ", command) + " exited " + result.exit + ":\n" + result.output);
    }
    return result.output;
  }

  /** {@code docker args...}; fails with its output unless it exits 0. */
  static String docker(long timeoutSeconds, String... args) {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    Result result = run(timeoutSeconds, command.toArray(String[]::new));
    if (result.exit != 0) {
      throw new AssertionError(String.join(" ", command) + " exited " + result.exit + ":\n" + result.output);
    }
    return result.output.strip();
  }

  /** Names of this project's running containers of {@code service}. */
  List<String> containers(String service) {
    String names = docker(30, "ps", "--filter", "label=com.docker.compose.project=" + project, "--filter",
        "label=com.docker.compose.service=" + service, "--format", "{{.Names}}");
    return names.isEmpty() ? List.of() : List.of(names.split("\n"));
  }

  /** This project's containers, running or not. */
  List<String> allContainers() {
    String names = docker(30, "ps", "-a", "--filter", "label=com.docker.compose.project=" + project, "--format",
        "{{.Names}}");
    return names.isEmpty() ? List.of() : List.of(names.split("\n"));
  }

  @Override
  public void close() {
    compose(180, "down", "-v", "--rmi", "local", "--remove-orphans", "-t", "5");
  }

  private static boolean held(String image) {
    return run(30, "docker", "image", "inspect", image).exit == 0;
  }

  private record Result(int exit, String output) {}

  private static Result run(long timeoutSeconds, String... command) {
    return run(timeoutSeconds, Map.of(), command);
  }

  private static Result run(long timeoutSeconds, Map<String, String> environment, String... command) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().putAll(environment);
      Process process = builder.start();
      byte[][] output = new byte[1][];
      Thread reader = new Thread(() -> {
        try {
          output[0] = process.getInputStream().readAllBytes();
        } catch (IOException e) {
          output[0] = new byte[0];
        }
      });
      reader.start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        reader.join(5_000);
        return new Result(-1, "timed out after " + timeoutSeconds + " s");
      }
      reader.join(5_000);
      return new Result(process.exitValue(), output[0] == null ? "" : new String(output[0], StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, e.toString());
    }
  }
}
