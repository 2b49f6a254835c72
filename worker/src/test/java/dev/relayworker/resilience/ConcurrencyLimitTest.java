package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {

  @Test
  void queuesCallersBeyondTheCapAndServesThemInOrder() {
    ConcurrencyLimit limit = new ConcurrencyLimit(2);

    CompletableFuture<Void> first = limit.acquire();
    CompletableFuture<Void> second = limit.acquire();
    CompletableFuture<Void> third = limit.acquire();
    CompletableFuture<Void> fourth = limit.acquire();

    assertThat(first).isDone();
    assertThat(second).isDone();
    assertThat(third).isNotDone();
    assertThat(limit.waiting()).isEqualTo(2);

    limit.release();
    assertThat(third).isDone();
    assertThat(fourth).isNotDone();
    assertThat(limit.inUse()).isEqualTo(2);
  }

  @Test
  void skipsWaitersThatGaveUp() {
    ConcurrencyLimit limit = new ConcurrencyLimit(1);
    limit.acquire();
    CompletableFuture<Void> impatient = limit.acquire();
    CompletableFuture<Void> patient = limit.acquire();

    impatient.cancel(false);
    limit.release();

    assertThat(patient).isDone().isNotCancelled();
    assertThat(limit.inUse()).isEqualTo(1);
  }

  @Test
  void freesTheSlotWhenNobodyWaits() {
    ConcurrencyLimit limit = new ConcurrencyLimit(1);
    limit.acquire();

    limit.release();

    assertThat(limit.inUse()).isZero();
    assertThat(limit.acquire()).isDone();
  }
}
