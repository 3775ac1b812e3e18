package io.floe.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads the JSON of one Connect schema position into the Java value {@code RecordBuilder} takes for
 * its Iceberg type. Built once per schema by {@link ConnectTypeMapping}; each reader knows the
 * column path it reads, for failure messages.
 */
@FunctionalInterface
public interface ConnectValueReader {

  /**
   * @param value a JSON value that is neither missing nor JSON {@code null} (those are null for any
   *     field)
   * @throws InvalidConnectValueException if the value does not match the schema
   */
  Object read(JsonNode value);
}
