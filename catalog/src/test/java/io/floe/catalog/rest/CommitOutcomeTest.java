package io.floe.catalog.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.floe.catalog.CatalogFactory;
import io.floe.catalog.rest.internal.RestErrors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Schema;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.encryption.EncryptionManager;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ForbiddenException;
import org.apache.iceberg.exceptions.NamespaceNotEmptyException;
import org.apache.iceberg.exceptions.NoSuchIcebergTableException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.NotAuthorizedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a committer learns from the server's status codes: a clean conflict (409) means nothing was
 * written, anything unexpected (500) means the outcome is unknown, which Iceberg's client raises as
 * {@link CommitStateUnknownException} so a Table Topic coordinator reloads instead of retrying.
 */
class CommitOutcomeTest {
  private static final Schema SCHEMA = new Schema(Types.NestedField.required(1, "id", Types.LongType.get()));

  @TempDir
  Path dir;

  static Stream<Arguments> statuses() {
    return Stream.of(
        Arguments.of(new NoSuchTableException("t"), 404),
        Arguments.of(new NoSuchIcebergTableException("t"), 404),
        Arguments.of(new NoSuchNamespaceException("ns"), 404),
        Arguments.of(new AlreadyExistsException("t"), 409),
        Arguments.of(new CommitFailedException("stale"), 409),
        Arguments.of(new NamespaceNotEmptyException("ns"), 409),
        Arguments.of(new ValidationException("bad"), 400),
        Arguments.of(new IllegalArgumentException("bad"), 400),
        Arguments.of(new NotAuthorizedException("who"), 401),
        Arguments.of(new ForbiddenException("no"), 403),
        Arguments.of(new UnsupportedOperationException("no"), 406),
        Arguments.of(new CommitStateUnknownException(new RuntimeException("lost")), 500),
        Arguments.of(new IllegalStateException("bug"), 500));
  }

  @ParameterizedTest
  @MethodSource("statuses")
  void exceptionsMapToTheRestStatusTheClientMapsBack(RuntimeException e, int status) {
    assertThat(RestErrors.status(e)).isEqualTo(status);
    assertThat(RestErrors.of(e).code()).isEqualTo(status);
    assertThat(RestErrors.of(e).type()).isEqualTo(
        e instanceof IllegalArgumentException ? "IllegalArgumentException" : e.getClass().getSimpleName());
  }

  @Test
  void anUnexpectedFailureDuringACommitIsReportedAsUnknownState() throws IOException {
    // Given a backing catalog whose table commits fail with an unexpected error
    AtomicBoolean failCommits = new AtomicBoolean(false);
    FailingCommitCatalog backing = new FailingCommitCatalog(failCommits);
    backing.setConf(new Configuration());
    backing.initialize("floe", CatalogFactory.embeddedProperties(dir.resolve("c.db"), dir.resolve("wh")));
    try (backing;
        RestCatalogServer server = new RestCatalogServer("127.0.0.1", 0, backing).start();
        RESTCatalog client = new RESTCatalog()) {
      client.setConf(new Configuration());
      client.initialize("floe", Map.of("uri", server.uri().toString()));
      client.createNamespace(Namespace.of("ns"));
      TableIdentifier id = TableIdentifier.of("ns", "t");
      client.createTable(id, SCHEMA);
      failCommits.set(true);

      // When a client commits
      // Then it is told the outcome is unknown (500), not that it conflicted
      assertThatThrownBy(() -> client.loadTable(id).updateProperties().set("k", "v").commit())
          .isInstanceOf(CommitStateUnknownException.class)
          .hasMessageContaining("disk on fire");
    }
  }

  /** A JDBC catalog whose table commits throw a non-Iceberg error once switched on. */
  private static final class FailingCommitCatalog extends JdbcCatalog implements AutoCloseable {
    private final AtomicBoolean fail;

    FailingCommitCatalog(AtomicBoolean fail) {
      this.fail = fail;
    }

    @Override
    protected TableOperations newTableOps(TableIdentifier id) {
      TableOperations real = super.newTableOps(id);
      return new TableOperations() {
        @Override
        public TableMetadata current() {
          return real.current();
        }

        @Override
        public TableMetadata refresh() {
          return real.refresh();
        }

        @Override
        public void commit(TableMetadata base, TableMetadata metadata) {
          if (fail.get()) {
            throw new IllegalStateException("disk on fire");
          }
          real.commit(base, metadata);
        }

        @Override
        public FileIO io() {
          return real.io();
        }

        @Override
        public EncryptionManager encryption() {
          return real.encryption();
        }

        @Override
        public String metadataFileLocation(String fileName) {
          return real.metadataFileLocation(fileName);
        }

        @Override
        public LocationProvider locationProvider() {
          return real.locationProvider();
        }
      };
    }
  }
}
