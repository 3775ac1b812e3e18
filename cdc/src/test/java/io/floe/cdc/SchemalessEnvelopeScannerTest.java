package io.floe.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The streaming fast path gives what the tree path gives, or hands the event to it. */
class SchemalessEnvelopeScannerTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @ValueSource(strings = {"insert-schemas-false.value.json", "update-schemas-false.value.json",
      "delete-schemas-false.value.json"})
  void aSchemalessFixtureUnwrapsAsTheTreePathDoes(String file) throws Exception {
    byte[] value = DebeziumFixturesTest.resource(file);
    // inside a larger array, as record values are
    byte[] padded = new byte[value.length + 7];
    System.arraycopy(value, 0, padded, 3, value.length);
    DebeziumEnvelope.Change fast = assertInstanceOf(DebeziumEnvelope.Change.class,
        SchemalessEnvelopeScanner.scan(padded, 3, value.length));
    DebeziumEnvelope.Change tree = assertInstanceOf(DebeziumEnvelope.Change.class,
        DebeziumEnvelope.unwrapTree(value, 0, value.length));
    assertEquals(tree.op(), fast.op());
    assertEquals(tree.source(), fast.source());
    assertEquals(tree.tsMs(), fast.tsMs());
    assertEquals(JSON.readTree(((RowImage.Json) tree.row()).json()), JSON.readTree(((RowImage.Json) fast.row()).json()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"insert-schemas-true.value.json", "tombstone-schemas-false.value.json"})
  void otherFormsGoToTheTreePath(String file) {
    byte[] value = DebeziumFixturesTest.resource(file);
    assertNull(SchemalessEnvelopeScanner.scan(value, 0, value.length));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"op\":\"c\"}",
      "{\"op\":\"x\",\"source\":{},\"after\":{}}",
      "{\"op\":\"c\",\"source\":{},\"after\":[1]}",
      "{\"op\":\"d\",\"source\":{},\"after\":{\"id\":1}}",
      "{\"status\":\"BEGIN\",\"id\":\"1\"}",
      "{\"op\":\"c\",\"source\":{},\"after\":{\"id\":1}} trailing",
      "{\"op\":\"c\",\"source\":{},\"after\":{\"id\":1"})
  void incompleteOrMalformedEventsGoToTheTreePath(String event) {
    byte[] value = event.getBytes(StandardCharsets.UTF_8);
    assertNull(SchemalessEnvelopeScanner.scan(value, 0, value.length));
    assertNotNull(DebeziumEnvelope.unwrap(value));
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"op\":\"t\",\"before\":null,\"after\":null,\"source\":{\"table\":\"customers\",\"lsn\":7}}"})
  void aTruncateNeedsNoRow(String event) {
    byte[] value = event.getBytes(StandardCharsets.UTF_8);
    DebeziumEnvelope.Truncate t = assertInstanceOf(DebeziumEnvelope.Truncate.class,
        SchemalessEnvelopeScanner.scan(value, 0, value.length));
    assertEquals(7L, t.source().lsn());
  }
}
