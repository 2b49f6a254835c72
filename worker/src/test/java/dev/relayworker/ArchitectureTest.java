package dev.relayworker;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import dev.relayworker.cli.Main;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/**
 * The worker's architecture, written down; {@code mvn verify} fails when code breaks it.
 *
 * <p>Modules are kept apart by Maven: the worker's main code cannot see the simulator, the test kit
 * or the tools (they are not on its compile class path), and the enforcer rule in worker/pom.xml
 * keeps broker, test and tool artifacts off its runtime class path. Inside the worker, each
 * package may use only the packages listed for it below, so dependencies point one way, from the
 * command line down to the settings.
 */
class ArchitectureTest {

  /** The worker module's main classes: where {@link Main} was loaded from, jar or directory. */
  private static final JavaClasses WORKER = new ClassFileImporter()
      .importLocations(Set.of(Location.of(Main.class.getProtectionDomain().getCodeSource().getLocation())));

  @Test
  void packagesUseOnlyThePackagesBelowThem() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("cli").definedBy("dev.relayworker.cli..")
        .layer("batch").definedBy("dev.relayworker.batch..")
        .layer("requester").definedBy("dev.relayworker.requester..")
        .layer("pipeline").definedBy("dev.relayworker.pipeline..")
        .layer("admin").definedBy("dev.relayworker.admin..")
        .layer("metrics").definedBy("dev.relayworker.metrics..")
        .layer("routing").definedBy("dev.relayworker.routing..")
        .layer("resilience").definedBy("dev.relayworker.resilience..")
        .layer("cost").definedBy("dev.relayworker.cost..")
        .layer("relay").definedBy("dev.relayworker.relay..")
        .layer("protocol").definedBy("dev.relayworker.protocol..")
        .layer("config").definedBy("dev.relayworker.config..")

        .whereLayer("cli").mayOnlyAccessLayers("batch", "requester", "pipeline", "protocol", "config")
        .whereLayer("batch").mayOnlyAccessLayers("requester", "pipeline", "protocol", "config")
        .whereLayer("requester").mayNotAccessAnyLayer()
        .whereLayer("pipeline").mayOnlyAccessLayers("admin", "metrics", "routing", "resilience", "cost", "relay",
            "protocol", "config")
        .whereLayer("admin").mayNotAccessAnyLayer()
        .whereLayer("metrics").mayOnlyAccessLayers("resilience", "cost", "relay")
        .whereLayer("routing").mayOnlyAccessLayers("resilience", "cost", "relay")
        .whereLayer("resilience").mayOnlyAccessLayers("cost", "relay", "config")
        .whereLayer("cost").mayOnlyAccessLayers("relay")
        .whereLayer("relay").mayOnlyAccessLayers("config")
        .whereLayer("protocol").mayOnlyAccessLayers("cost", "config")
        .whereLayer("config").mayNotAccessAnyLayer()
        .check(WORKER);
  }

  @Test
  void nothingOfTheSimulatorTestKitToolsOrBrokerIsUsed() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.relayworker.simulator..",
            "dev.relayworker.testkit..", "dev.relayworker.tools..", "org.apache.kafka.common.test..", "kafka..",
            "scala..", "org.junit..", "org.testcontainers..")
        .check(WORKER);
  }

  @Test
  void resilience4jStaysInsideResilience() {
    noClasses().that().resideOutsideOfPackage("dev.relayworker.resilience..")
        .should().dependOnClassesThat().resideInAPackage("io.github.resilience4j..")
        .because("the pipeline sees the relay through ResilientRelay, not through Resilience4j's types")
        .check(WORKER);
  }

  @Test
  void noLibrarysInternalsAreUsed() {
    noClasses().should().dependOnClassesThat(resideInAnyPackage("..internal..", "..internals.."))
        .because("a library's internal package is not its API and may change in any release")
        .check(WORKER);
  }

  /**
   * {@code CompletableFuture}'s {@code *Async} methods without an executor run on its default
   * executor, which on JDK 17 with fewer than 3 CPUs starts a thread per task: on the answer path
   * that is a thread per relay answer. Every hop names the thread it goes to.
   */
  @Test
  void noCompletableFutureHopOntoItsDefaultExecutor() {
    noClasses().should().callMethodWhere(DescribedPredicate.describe(
            "CompletableFuture *Async without an Executor",
            call -> call.getTargetOwner().isAssignableTo(CompletableFuture.class)
                && call.getName().endsWith("Async")
                && call.getTarget().getRawParameterTypes().stream().noneMatch(type -> type.isAssignableTo(Executor.class))))
        .because("the default executor starts a thread per task on JDK 17 with one or two CPUs")
        .check(WORKER);
  }
}
