package dev.relayworker;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import dev.relayworker.cli.Main;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.clients.producer.Producer;
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
        .layer("ops").definedBy("dev.relayworker.ops..")
        .layer("metrics").definedBy("dev.relayworker.metrics..")
        .layer("routing").definedBy("dev.relayworker.routing..")
        .layer("spend").definedBy("dev.relayworker.spend..")
        .layer("embeddings").definedBy("dev.relayworker.embeddings..")
        .layer("streaming").definedBy("dev.relayworker.streaming..")
        .layer("tracing").definedBy("dev.relayworker.tracing..")
        .layer("resilience").definedBy("dev.relayworker.resilience..")
        .layer("cost").definedBy("dev.relayworker.cost..")
        .layer("relay").definedBy("dev.relayworker.relay..")
        .layer("protocol").definedBy("dev.relayworker.protocol..")
        .layer("config").definedBy("dev.relayworker.config..")

        // Only `run` starts a worker; `send` and `batch` are requesters and need none of it.
        .whereLayer("cli").mayOnlyAccessLayers("batch", "requester", "pipeline", "protocol", "config")
        .whereLayer("batch").mayOnlyAccessLayers("requester", "protocol", "relay", "config")
        .whereLayer("requester").mayNotAccessAnyLayer()
        .whereLayer("pipeline").mayOnlyAccessLayers("ops", "metrics", "routing", "spend", "embeddings", "streaming", "tracing",
            "resilience", "cost", "relay", "protocol", "config")
        .whereLayer("ops").mayNotAccessAnyLayer()
        .whereLayer("metrics").mayOnlyAccessLayers("embeddings", "streaming", "resilience", "cost", "relay")
        // Routes are built (from the settings) where they are chosen.
        .whereLayer("routing").mayOnlyAccessLayers("resilience", "cost", "relay", "config")
        // The spend ledger is read and written on the poll thread, for the budgets of the relay path.
        .whereLayer("spend").mayOnlyAccessLayers("resilience")
        // Embeddings batches are made in front of the relay path, from parsed request bodies.
        .whereLayer("embeddings").mayOnlyAccessLayers("resilience", "cost", "relay", "protocol", "config")
        // Chunks of streamed text are written beside the relay path, in the protocol's format.
        .whereLayer("tracing").mayOnlyAccessLayers("resilience", "cost", "relay", "config")
        .whereLayer("streaming").mayOnlyAccessLayers("resilience", "relay", "protocol")
        .whereLayer("resilience").mayOnlyAccessLayers("cost", "relay", "config")
        .whereLayer("cost").mayOnlyAccessLayers("relay")
        .whereLayer("protocol").mayOnlyAccessLayers("cost", "relay", "config")
        .whereLayer("relay").mayOnlyAccessLayers("config")
        .whereLayer("config").mayNotAccessAnyLayer()
        .check(WORKER);
  }

  /**
   * The consumer is not thread-safe and the poll thread owns it: only the poll loop and the parts
   * it calls on its own thread may keep one. Anything else that held it could call it from
   * another thread (a relay callback, the ops endpoint) and fail with a
   * {@code ConcurrentModificationException} in production.
   */
  @Test
  void onlyThePollThreadsPartsHoldTheConsumer() {
    fields().that().haveRawType(assignableTo(Consumer.class))
        .should().beDeclaredInClassesThat(named(CONSUMER_HOLDERS))
        .because("the consumer is single-threaded and belongs to the poll thread")
        .check(WORKER);
  }

  /** The share-group member belongs to the share mode's poll thread alone, as the consumer to the group mode's. */
  @Test
  void onlyTheShareLoopHoldsTheShareConsumer() {
    fields().that().haveRawType(assignableTo(ShareConsumer.class))
        .should().beDeclaredInClassesThat(named(Set.of("dev.relayworker.pipeline.ShareLoop")))
        .because("the share consumer is single-threaded and belongs to the share loop's thread")
        .check(WORKER);
  }

  /**
   * The worker's producers are made by {@code Worker} and kept by the two deliveries alone: the
   * exactly-once one (transactions, on the poll thread) and the at-least-once one's publisher (its
   * own thread). Every record published passes their {@code ReplyRouter} first. The one exception
   * is the writer of streamed text's chunk records, a preview outside every transaction by design
   * (its topic is checked by the router before the call).
   */
  @Test
  void onlyTheDeliveriesHoldAProducer() {
    fields().that().haveRawType(assignableTo(Producer.class))
        .should().beDeclaredInClassesThat(named(PRODUCER_HOLDERS))
        .because("every published record must pass the reply router and, under exactly-once, a transaction")
        .check(WORKER);
  }

  /** The classes allowed to hold the consumer: each runs on the poll thread only. */
  private static final Set<String> CONSUMER_HOLDERS = java.util.stream.Stream.concat(Set.of("PollLoop", "HandOver",
      "BackPressure", "StatusReporter", "LimitShare", "AckedDelivery", "TransactionalDelivery").stream()
      .map(name -> "dev.relayworker.pipeline." + name),
      // Its own reader of the ledger topic, read in rebalance callbacks on the poll thread; and the share
      // mode's reader of the answered topic, confined to its own thread.
      java.util.stream.Stream.of("dev.relayworker.spend.SpendLedger", "dev.relayworker.pipeline.AnsweredIndex"))
      .collect(Collectors.toSet());

  private static final Set<String> PRODUCER_HOLDERS = Set.of("pipeline.TransactionalDelivery", "pipeline.ReplyPublisher",
      "streaming.ChunkWriter").stream().map(name -> "dev.relayworker." + name).collect(Collectors.toSet());

  private static DescribedPredicate<JavaClass> named(Set<String> names) {
    return DescribedPredicate.describe("one of " + new TreeSet<>(names), type -> names.contains(type.getName()));
  }

  /** No package of the worker is part of a cycle of packages. */
  @Test
  void noPackagesFormACycle() {
    slices().matching("dev.relayworker.(*)..").should().beFreeOfCycles().check(WORKER);
  }

  /**
   * No two classes use each other (nested classes count as their outer class): each can be read,
   * and tested, knowing only what it uses. The poll loop and its rebalance listener meet through
   * {@code InFlightWork}. Two packages are left out, each a single mechanism whose classes know
   * each other by design: {@code relay} (the connection pool and the exchanges it runs; an endpoint
   * and the clients it opens) and {@code config} (the settings and their per-route overlay).
   */
  @Test
  void noClassesFormACycleOutsideRelayAndConfig() {
    slices().assignedFrom(new SliceAssignment() {
      @Override
      public SliceIdentifier getIdentifierOf(JavaClass type) {
        if (type.getPackageName().startsWith("dev.relayworker.relay")
            || type.getPackageName().startsWith("dev.relayworker.config")) {
          return SliceIdentifier.ignore();
        }
        JavaClass outer = type;
        while (outer.getEnclosingClass().isPresent()) {
          outer = outer.getEnclosingClass().get();
        }
        return SliceIdentifier.of(outer.getName());
      }

      @Override
      public String getDescription() {
        return "each top-level class with its nested classes";
      }
    }).should().beFreeOfCycles().check(WORKER);
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
        .because("the pipeline and the router see the relay through RelayCalls, not through Resilience4j's types")
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
