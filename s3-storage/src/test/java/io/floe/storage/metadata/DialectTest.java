package io.floe.storage.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DialectTest {

  @Test
  void theUrlNamesTheDatabase() {
    assertEquals(Dialect.SQLITE, Dialect.of("jdbc:sqlite:/var/lib/floe/meta.db"));
    assertEquals(Dialect.POSTGRESQL, Dialect.of("jdbc:postgresql://db:5432/floe?user=floe"));
    assertEquals(1, Dialect.SQLITE.maxConnections());
  }

  @Test
  void anUnsupportedDatabaseIsRejectedWithoutShowingThePassword() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> JdbcMetadataStore.open("jdbc:mysql://db/floe?user=u&password=p4ss"));

    assertFalse(e.getMessage().contains("p4ss"), e.getMessage());
    assertEquals(
        "Cannot open metadata store: 'jdbc:mysql://db/floe?user=u&password=***' is neither jdbc:sqlite:<file> nor"
            + " jdbc:postgresql://<host>:<port>/<database>",
        e.getMessage());
  }

  @Test
  void passwordsAreMaskedWhereverTheyStand() {
    assertEquals(
        "jdbc:postgresql://db/floe?password=***&user=floe&sslpassword=***",
        Dialect.redact("jdbc:postgresql://db/floe?password=s%26cr3t&user=floe&sslpassword=x"));
    assertEquals("jdbc:sqlite:/data/meta.db", Dialect.redact("jdbc:sqlite:/data/meta.db"));
  }
}
