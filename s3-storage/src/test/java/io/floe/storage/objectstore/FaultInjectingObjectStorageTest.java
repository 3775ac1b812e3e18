package io.floe.storage.objectstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.objectstore.FaultInjectingObjectStorage.Fault;
import io.floe.storage.objectstore.FaultInjectingObjectStorage.Operation;
import io.floe.storage.testing.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultInjectingObjectStorageTest {
  @TempDir Path dir;

  @AfterAll
  static void reportLeaks() {
    LeakCheck.provoke();
  }

  @Test
  void theSameSeedMeetsTheSameFaults() throws Exception {
    List<String> first = outcomes(7);
    List<String> again = outcomes(7);
    List<String> other = outcomes(8);

    assertEquals(first, again);
    assertTrue(!first.equals(other), "another seed draws other faults");
    assertTrue(first.contains("ok") && first.stream().anyMatch(o -> o.contains("503")));
  }

  private List<String> outcomes(long seed) throws Exception {
    List<String> outcomes = new ArrayList<>();
    try (FaultInjectingObjectStorage store =
        FaultInjectingObjectStorage.builder(new LocalFileObjectStorage(dir.resolve("seed-" + seed)))
            .seed(seed)
            .fault(Operation.WRITE, Fault.THROTTLE, 0.3)
            .fault(Operation.WRITE, Fault.SERVER_ERROR, 0.2)
            .build()) {
      for (int i = 0; i < 40; i++) {
        try {
          store.write("k" + i, Unpooled.copiedBuffer("x", UTF_8)).get(5, TimeUnit.SECONDS);
          outcomes.add("ok");
        } catch (ExecutionException e) {
          assertTrue(((ObjectStorageException) e.getCause()).retriable());
          outcomes.add(e.getCause().getMessage().contains("503") ? "503" : "500");
        }
      }
    }
    return outcomes;
  }

  @Test
  void aLostResponseFailsTheCallButTheOperationTookEffect() throws Exception {
    // Given a store where every write and read loses its response
    try (FaultInjectingObjectStorage store =
        FaultInjectingObjectStorage.builder(new LocalFileObjectStorage(dir))
            .fault(Operation.WRITE, Fault.LOST_RESPONSE, 1)
            .fault(Operation.READ, Fault.LOST_RESPONSE, 1)
            .build()) {
      // When an object is written and read
      Throwable write = failure(store.write("k", Unpooled.copiedBuffer("written", UTF_8)));
      Throwable read = failure(store.rangeRead("k", 0, 100));

      // Then both fail as retriable, yet the object is there (and the read's buffer was released)
      assertTrue(assertInstanceOf(ObjectStorageException.class, write).retriable());
      assertTrue(assertInstanceOf(ObjectStorageException.class, read).retriable());
      ByteBuf direct = store.delegate().rangeRead("k", 0, 100).get(5, TimeUnit.SECONDS);
      try {
        assertEquals("written", direct.toString(UTF_8));
      } finally {
        direct.release();
      }
      assertEquals(2, store.injected(Fault.LOST_RESPONSE));
    }
  }

  @Test
  void timeoutsAndDelaysTakeTheirTimeAndAnUnavailableStoreRefusesEverything() throws Exception {
    try (FaultInjectingObjectStorage store =
        FaultInjectingObjectStorage.builder(new LocalFileObjectStorage(dir))
            .fault(Operation.WRITE, Fault.DELAY, 1)
            .fault(Operation.LIST, Fault.TIMEOUT, 1)
            .delayMs(40)
            .timeoutMs(60)
            .build()) {
      long start = System.nanoTime();
      store.write("k", Unpooled.copiedBuffer("x", UTF_8)).get(5, TimeUnit.SECONDS);
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) >= 35);

      start = System.nanoTime();
      Throwable timeout = failure(store.list(""));
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) >= 55);
      assertTrue(timeout.getMessage().contains("timed out"), timeout.getMessage());

      store.unavailable(true);
      assertTrue(((ObjectStorageException) failure(store.delete(List.of("k")))).retriable());
      store.unavailable(false);
      store.injecting(false);
      assertEquals(1, store.list("").get(5, TimeUnit.SECONDS).size());
      assertEquals(3, store.injectedTotal());
      assertEquals(4, store.calls());
    }
  }

  @Test
  void probabilitiesAddingUpToMoreThanOneAreRejected() {
    try (LocalFileObjectStorage local = new LocalFileObjectStorage(dir)) {
      assertThrows(IllegalArgumentException.class,
          () -> FaultInjectingObjectStorage.builder(local)
              .fault(Operation.READ, Fault.THROTTLE, 0.7).fault(Operation.READ, Fault.TIMEOUT, 0.5).build());
    }
  }

  private static Throwable failure(CompletableFuture<?> f) {
    return assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS)).getCause();
  }
}
