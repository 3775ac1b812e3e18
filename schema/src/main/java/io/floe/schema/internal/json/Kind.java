package io.floe.schema.internal.json;

import org.apache.iceberg.types.Type;

/** What a slot holds. JSON evidence only ever produces the first group; the rest come from a table. */
enum Kind {
  /** No evidence yet: only nulls, empty arrays or empty objects were seen. */
  UNKNOWN,
  BOOLEAN,
  LONG,
  DOUBLE,
  /** decimal(38, 0) for integers beyond the long range; any decimal a table already has. */
  DECIMAL,
  STRING,
  STRUCT,
  LIST,
  // only from the table's schema
  INT,
  FLOAT,
  DATE,
  TIME,
  TIMESTAMP,
  UUID,
  BINARY,
  FIXED,
  /** A map column with string keys: a JSON object's keys become map keys, not columns. */
  MAP,
  /** A table type JSON values cannot be written to (variant, geometry, non-string map keys, ...). */
  OTHER;

  static Kind of(Type type) {
    switch (type.typeId()) {
      case BOOLEAN:
        return BOOLEAN;
      case INTEGER:
        return INT;
      case LONG:
        return LONG;
      case FLOAT:
        return FLOAT;
      case DOUBLE:
        return DOUBLE;
      case DECIMAL:
        return DECIMAL;
      case STRING:
        return STRING;
      case DATE:
        return DATE;
      case TIME:
        return TIME;
      case TIMESTAMP:
      case TIMESTAMP_NANO:
        return TIMESTAMP;
      case UUID:
        return UUID;
      case BINARY:
        return BINARY;
      case FIXED:
        return FIXED;
      case STRUCT:
        return STRUCT;
      case LIST:
        return LIST;
      case MAP:
        return type.asMapType().keyType().typeId() == Type.TypeID.STRING ? MAP : OTHER;
      default:
        return OTHER;
    }
  }
}
