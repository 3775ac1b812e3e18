package io.floe.storage.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.metadata.SchemaStore.Reference;
import io.floe.storage.metadata.SchemaStore.Registration;
import io.floe.storage.metadata.SchemaStore.SchemaVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schema registry's tables, on SQLite and on a real PostgreSQL shared by two stores (two brokers): ids,
 * version numbers, soft and permanent deletes, references and configs.
 */
class JdbcSchemaStoreTest {
  private static final String AVRO = "AVRO";
  private static final TwoStores STORES = new TwoStores();
  @TempDir static Path dir;

  static Stream<String> databases() {
    return Stream.of("sqlite", "postgresql");
  }

  /** Two stores over one database: the same one for SQLite (one broker's file), two for PostgreSQL. */
  private SchemaStore[] open(String database) {
    JdbcMetadataStore[] s = STORES.open(database, dir);
    return new SchemaStore[] {new JdbcSchemaStore(s[0]), new JdbcSchemaStore(s[1])};
  }

  @AfterEach
  void close() {
    STORES.closeStores();
  }

  @AfterAll
  static void stopPostgres() {
    STORES.stop();
  }

  private static String schema(int n) {
    return "{\"type\":\"record\",\"name\":\"R" + n + "\",\"fields\":[]}";
  }

  /** Registers as the registry does: reads the latest version, registers against it, again if it moved. */
  private static Registration register(SchemaStore store, String subject, String schema, List<Reference> refs) {
    for (int attempt = 0; attempt < 100; attempt++) {
      List<SchemaVersion> all = store.versions(subject, true);
      int latest = all.isEmpty() ? 0 : all.get(all.size() - 1).version();
      Optional<Registration> r = store.register(subject, AVRO, schema, refs, latest);
      if (r.isPresent()) {
        return r.get();
      }
    }
    throw new AssertionError("never registered");
  }

  @ParameterizedTest
  @MethodSource("databases")
  void oneSchemaHasOneIdAndEachSubjectNumbersItsVersions(String database) {
    SchemaStore[] stores = open(database);
    // Given a schema registered under one subject through one broker
    Registration a = stores[0].register("a-value", AVRO, schema(1), List.of(), 0).orElseThrow();

    // When the same schema is registered under another subject through the other broker, and again under the first
    Registration b = stores[1].register("b-value", AVRO, schema(1), List.of(), 0).orElseThrow();
    Registration again = stores[1].register("a-value", AVRO, schema(1), List.of(), 0).orElseThrow();

    // Then one id, version 1 in each subject, and registering again returns the existing version
    assertEquals(new Registration(1, 1), a);
    assertEquals(new Registration(1, 1), b);
    assertEquals(a, again);
    // And another schema, or the same text with another type, is a new id and the subject's next version
    assertEquals(new Registration(2, 2), stores[0].register("a-value", AVRO, schema(2), List.of(), 1).orElseThrow());
    assertEquals(3, stores[0].register("c-value", "JSON", schema(1), List.of(), 0).orElseThrow().id());
    assertEquals(List.of(1, 2), stores[1].versions("a-value", false).stream().map(SchemaVersion::version).toList());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void aRegistrationCheckedAgainstAnOldLatestVersionIsNotApplied(String database) {
    SchemaStore[] stores = open(database);
    // Given a subject at version 1
    stores[0].register("a-value", AVRO, schema(1), List.of(), 0).orElseThrow();

    // When a broker registers a new schema believing the subject empty (its compatibility check saw no version)
    Optional<Registration> stale = stores[1].register("a-value", AVRO, schema(2), List.of(), 0);

    // Then nothing is registered, so the caller checks compatibility again
    assertTrue(stale.isEmpty());
    assertEquals(1, stores[0].versions("a-value", true).size());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void versionsSubjectsIdsAndReferencesReadBack(String database) {
    SchemaStore store = open(database)[0];
    // Given an Address, and a User referencing it, in two subjects
    Registration address = store.register("address", AVRO, schema(1), List.of(), 0).orElseThrow();
    List<Reference> refs = List.of(new Reference("com.acme.Address", "address", 1));
    Registration user = store.register("user-value", AVRO, schema(2), refs, 0).orElseThrow();

    // Then each version reads back whole
    SchemaVersion v = store.version("user-value", 1).orElseThrow();
    assertEquals(new SchemaVersion("user-value", 1, user.id(), AVRO, schema(2), refs, false), v);
    assertEquals(List.of("address", "user-value"), store.subjects(false));
    assertEquals(List.of(v), store.versionsOfId(user.id()));
    assertEquals(List.of(v), store.referencedBy("address", 1));
    assertEquals(List.of(), store.referencedBy("address", 2));
    assertEquals(1, store.versionsOfId(address.id()).size());
    assertTrue(store.version("user-value", 2).isEmpty());
    assertTrue(store.versionsOfId(99).isEmpty());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void softDeletedVersionsStayUntilPermanentlyDeletedAndIdsAreNeverReused(String database) {
    SchemaStore store = open(database)[0];
    // Given one version
    Registration r = store.register("a-value", AVRO, schema(1), List.of(), 0).orElseThrow();

    // When it is deleted permanently before a soft delete, nothing happens
    assertFalse(store.hardDelete("a-value", 1));

    // When it is soft-deleted
    assertTrue(store.softDelete("a-value", 1));
    assertFalse(store.softDelete("a-value", 1));

    // Then it is hidden but readable, and its number is still taken
    assertEquals(List.of(), store.versions("a-value", false));
    assertEquals(List.of(), store.subjects(false));
    assertEquals(List.of("a-value"), store.subjects(true));
    assertTrue(store.version("a-value", 1).orElseThrow().deleted());
    assertEquals(1, store.versionsOfId(r.id()).size());
    // And registering the schema again makes version 2 with the same id
    assertEquals(new Registration(r.id(), 2), store.register("a-value", AVRO, schema(1), List.of(), 1).orElseThrow());

    // When both versions are deleted permanently
    assertTrue(store.softDelete("a-value", 2));
    assertTrue(store.hardDelete("a-value", 1));
    assertTrue(store.hardDelete("a-value", 2));

    // Then the subject and the schema are gone, and the schema registered again gets a new id
    assertEquals(List.of(), store.subjects(true));
    assertTrue(store.versionsOfId(r.id()).isEmpty());
    Registration fresh = store.register("a-value", AVRO, schema(1), List.of(), 0).orElseThrow();
    assertNotEquals(r.id(), fresh.id());
    assertEquals(1, fresh.version());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void compatibilityLevelsAreSetPerSubjectAndGlobally(String database) {
    SchemaStore[] stores = open(database);
    assertTrue(stores[0].compatibility(SchemaStore.GLOBAL_SCOPE).isEmpty());

    stores[0].setCompatibility(SchemaStore.GLOBAL_SCOPE, "FULL");
    stores[0].setCompatibility("a-value", "NONE");
    stores[1].setCompatibility("a-value", "FORWARD");

    assertEquals(Optional.of("FULL"), stores[1].compatibility(SchemaStore.GLOBAL_SCOPE));
    assertEquals(Optional.of("FORWARD"), stores[0].compatibility("a-value"));
    assertTrue(stores[0].deleteCompatibility("a-value"));
    assertFalse(stores[0].deleteCompatibility("a-value"));
    assertTrue(stores[1].compatibility("a-value").isEmpty());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void concurrentRegistrationsGetDistinctVersionsAndOneIdPerSchema(String database) throws Exception {
    SchemaStore[] stores = open(database);
    int schemas = 12;
    // Given two brokers that register the same schemas at once, in opposite orders, into one shared subject
    // and each into a subject of its own
    CyclicBarrier start = new CyclicBarrier(2);
    Map<String, Integer> ids = new ConcurrentHashMap<>();
    List<String> conflicts = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int broker = t;
      done.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < schemas; i++) {
          int n = broker == 0 ? i : schemas - 1 - i;
          for (String subject : List.of("shared-value", "own-" + broker)) {
            Registration r = register(stores[broker], subject, schema(n), List.of());
            Integer known = ids.putIfAbsent(schema(n), r.id());
            if (known != null && known != r.id()) {
              conflicts.add(schema(n) + " has ids " + known + " and " + r.id());
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();

    // Then the shared subject has each schema once, at versions 1..n without a gap or a duplicate
    List<SchemaVersion> shared = stores[0].versions("shared-value", true);
    assertEquals(schemas, shared.size());
    for (int i = 0; i < schemas; i++) {
      assertEquals(i + 1, shared.get(i).version());
    }
    Set<String> texts = new HashSet<>();
    shared.forEach(v -> texts.add(v.schema()));
    assertEquals(schemas, texts.size());
    // And every schema has one id wherever it is registered, and no two schemas share one
    assertEquals(List.of(), conflicts);
    assertEquals(schemas, new HashSet<>(ids.values()).size());
    for (String subject : List.of("shared-value", "own-0", "own-1")) {
      for (SchemaVersion v : stores[1].versions(subject, false)) {
        assertEquals(ids.get(v.schema()), v.id(), subject + " version " + v.version());
      }
    }
  }
}
