package io.floe.schema.internal.jsonschema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class JsonSchemaDecoderTest {

  @Test
  void objectPropertiesBecomeStructFieldsInDeclaredOrder() {
    // Given a schema whose properties are declared out of alphabetical order
    JsonSchemaDecoder decoder =
        decoder(
            """
{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {
  "name": {"type": "string", "description": "the customer's name"},
  "age": {"type": "integer"},
  "score": {"type": "number"},
  "active": {"type": "boolean"}
}, "required": ["name"]}
""");

    // When its value type is read
    Types.StructType struct = decoder.valueType().asStructType();

    // Then each property is an optional field of its type, in declared order, with its description
    assertEquals("struct<name: string, age: long, score: double, active: boolean>", render(struct));
    assertTrue(struct.fields().stream().allMatch(Types.NestedField::isOptional));
    assertEquals("the customer's name", struct.field("name").doc());
  }

  @Test
  void primitiveValuesDecodeToTheirJavaTypes() {
    // Given an object schema of the primitive types
    JsonSchemaDecoder decoder =
        decoder(
            """
{"type": "object", "properties": {
  "name": {"type": "string"}, "age": {"type": "integer"},
  "score": {"type": "number"}, "ratio": {"type": "number"}, "active": {"type": "boolean"}
}}
""");

    // When a record is decoded
    ConvertedStruct value =
        struct(
            decoder,
            "{\"name\": \"Ada\", \"age\": 36, \"score\": 9.5, \"ratio\": 2, \"active\": true}");

    // Then integers are longs and numbers doubles, even when written without a fraction
    assertEquals("Ada", value.get("name"));
    assertEquals(36L, value.get("age"));
    assertEquals(9.5, value.get("score"));
    assertEquals(2.0, value.get("ratio"));
    assertEquals(true, value.get("active"));
  }

  @Test
  void anIntegerWrittenWithAZeroFractionIsAnInteger() {
    // Given an integer property
    JsonSchemaDecoder decoder =
        decoder("{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\"}}}");

    // When the record writes it as 3.0 and 4e2
    ConvertedStruct three = struct(decoder, "{\"n\": 3.0}");
    ConvertedStruct fourHundred = struct(decoder, "{\"n\": 4e2}");

    // Then it is the integer, as JSON Schema counts 3.0 as an integer
    assertEquals(3L, three.get("n"));
    assertEquals(400L, fourHundred.get("n"));
  }

  @Test
  void stringFormatsDecodeToTemporalAndUuidValues() {
    // Given string properties with formats
    JsonSchemaDecoder decoder =
        decoder(
            """
            {"type": "object", "properties": {
              "at": {"type": "string", "format": "date-time"},
              "local": {"type": "string", "format": "date-time"},
              "day": {"type": "string", "format": "date"},
              "clock": {"type": "string", "format": "time"},
              "zoned_clock": {"type": "string", "format": "time"},
              "id": {"type": "string", "format": "uuid"},
              "email": {"type": "string", "format": "email"}
            }}
            """);
    UUID id = UUID.randomUUID();

    // When a record with values of each format is decoded
    ConvertedStruct value =
        struct(
            decoder,
            "{\"at\": \"2024-05-01T14:00:00.25+02:00\", \"local\": \"2024-05-01t12:00:00\","
                + " \"day\": \"2024-05-01\", \"clock\": \"12:30:05.5\", \"zoned_clock\":"
                + " \"12:30:00-01:00\", \"id\": \""
                + id
                + "\", \"email\": \"ada@example.com\"}");

    // Then date-times are UTC timestamps (no offset meaning UTC), times without zone, uuids UUIDs
    assertEquals(
        "struct<at: timestamptz, local: timestamptz, day: date, clock: time, zoned_clock: time,"
            + " id: uuid, email: string>",
        render(decoder.valueType()));
    assertEquals(
        OffsetDateTime.of(2024, 5, 1, 12, 0, 0, 250_000_000, ZoneOffset.UTC), value.get("at"));
    assertEquals(OffsetDateTime.of(2024, 5, 1, 12, 0, 0, 0, ZoneOffset.UTC), value.get("local"));
    assertEquals(LocalDate.of(2024, 5, 1), value.get("day"));
    assertEquals(LocalTime.of(12, 30, 5, 500_000_000), value.get("clock"));
    assertEquals(LocalTime.of(13, 30), value.get("zoned_clock"));
    assertEquals(id, value.get("id"));
    assertEquals("ada@example.com", value.get("email"));
  }

  @Test
  void arraysWithItemsAreListsAndWithoutItemsListsOfJsonText() {
    // Given an array of strings, an array of objects and an array with no items schema
    JsonSchemaDecoder decoder =
        decoder(
            """
            {"type": "object", "properties": {
              "tags": {"type": "array", "items": {"type": "string"}},
              "lines": {"type": "array", "items": {"type": "object", "properties": {
                "sku": {"type": "string"}, "count": {"type": "integer"}}}},
              "anything": {"type": "array"}
            }}
            """);

    // When a record is decoded
    ConvertedStruct value =
        struct(
            decoder,
            "{\"tags\": [\"a\", null, \"b\"], \"lines\": [{\"sku\": \"pen\", \"count\": 2},"
                + " {\"sku\": \"ink\"}], \"anything\": [1, \"x\", {\"k\": [true]}], \"extra\":"
                + " [1]}");

    // Then lists hold their elements' values; untyped elements are their JSON text
    assertEquals(
        "struct<tags: list<string>, lines: list<struct<sku: string, count: long>>, anything:"
            + " list<string>>",
        render(decoder.valueType()));
    assertEquals(java.util.Arrays.asList("a", null, "b"), value.get("tags"));
    List<?> lines = (List<?>) value.get("lines");
    assertEquals("pen", ((ConvertedStruct) lines.get(0)).get("sku"));
    assertEquals(2L, ((ConvertedStruct) lines.get(0)).get("count"));
    assertNull(((ConvertedStruct) lines.get(1)).get("count"));
    assertEquals(List.of("1", "\"x\"", "{\"k\": [true]}"), value.get("anything"));
  }

  @Test
  void nestedObjectsAreNestedStructs() {
    // Given an object nested two levels deep
    JsonSchemaDecoder decoder =
        decoder(
            """
            {"type": "object", "properties": {
              "customer": {"type": "object", "properties": {
                "name": {"type": "string"},
                "address": {"type": "object", "properties": {"city": {"type": "string"}}}}}
            }}
            """);

    // When a record is decoded
    ConvertedStruct value =
        struct(decoder, "{\"customer\": {\"address\": {\"city\": \"Paris\"}, \"name\": \"Ada\"}}");

    // Then the nesting is kept, properties in any order
    ConvertedStruct customer = (ConvertedStruct) value.get("customer");
    assertEquals("Ada", customer.get("name"));
    assertEquals("Paris", ((ConvertedStruct) customer.get("address")).get("city"));
  }

  @Test
  void additionalPropertiesWithASchemaAndNoPropertiesIsAMap() {
    // Given an object with only a schema for additional properties
    JsonSchemaDecoder decoder =
        decoder(
            """
            {"type": "object", "properties": {
              "labels": {"type": "object", "additionalProperties": {"type": "string"}},
              "counts": {"type": "object", "additionalProperties": {"type": "integer"}}
            }}
            """);

    // When a record is decoded
    ConvertedStruct value =
        struct(
            decoder,
            "{\"labels\": {\"env\": \"prod\", \"team\": \"core\"}, \"counts\": {\"a\": 1}}");

    // Then it is a map from string to the values' type
    assertEquals(
        "struct<labels: map<string, string>, counts: map<string, long>>",
        render(decoder.valueType()));
    assertEquals(Map.of("env", "prod", "team", "core"), value.get("labels"));
    assertEquals(Map.of("a", 1L), value.get("counts"));
  }

  @Test
  void aFreeFormObjectIsKeptAsItsJsonText() {
    // Given objects with neither properties nor a schema for additional properties
    JsonSchemaDecoder decoder =
        decoder(
            """
            {"type": "object", "properties": {
              "payload": {"type": "object"},
              "open": {"type": "object", "additionalProperties": true},
              "untyped": {}
            }}
            """);

    // When a record is decoded
    ConvertedStruct value =
        struct(
            decoder,
            "{\"payload\": {\"a\": [1, 2], \"b\": {\"c\": null}}, \"open\": {}, \"untyped\":"
                + " 12.50}");

    // Then each is a string column holding the value's JSON text as written
    assertEquals(
        "struct<payload: string, open: string, untyped: string>", render(decoder.valueType()));
    assertEquals("{\"a\": [1, 2], \"b\": {\"c\": null}}", value.get("payload"));
    assertEquals("{}", value.get("open"));
    assertEquals("12.50", value.get("untyped"));
  }

  @Test
  void refsResolveToDefinitionsAndDefs() {
    // Given $refs to draft-07 definitions and 2020-12 $defs
    JsonSchemaDecoder decoder =
        decoder(
            """
{"type": "object", "properties": {
  "billing": {"$ref": "#/definitions/Address"},
  "shipping": {"$ref": "#/$defs/Address"}
},
"definitions": {"Address": {"type": "object", "properties": {"city": {"type": "string"}}}},
"$defs": {"Address": {"type": "object", "properties": {"zip": {"type": "string"}}}}}
""");

    // When a record is decoded
    ConvertedStruct value =
        struct(decoder, "{\"billing\": {\"city\": \"Paris\"}, \"shipping\": {\"zip\": \"75001\"}}");

    // Then each property has the referenced schema's type
    assertEquals(
        "struct<billing: struct<city: string>, shipping: struct<zip: string>>",
        render(decoder.valueType()));
    assertEquals("Paris", ((ConvertedStruct) value.get("billing")).get("city"));
    assertEquals("75001", ((ConvertedStruct) value.get("shipping")).get("zip"));
  }

  @Test
  void refsResolveToReferencedDocumentsByNameAndByUrl() {
    // Given a schema referencing two other registered schemas, one by its reference name and one by
    // a URL relative to the schema's $id, which itself refers to its own definitions
    Map<String, String> references =
        Map.of(
            "customer.json",
            "{\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\"}}}",
            "https://example.com/schemas/product.json",
            """
            {"$id": "https://example.com/schemas/product.json", "type": "object",
             "properties": {"sku": {"type": "string"}, "price": {"$ref": "#/definitions/Money"}},
             "definitions": {"Money": {"type": "number"}}}
            """);
    JsonSchemaDecoder decoder =
        JsonSchemaDecoder.forSchema(
            """
            {"$id": "https://example.com/schemas/order.json", "type": "object", "properties": {
              "customer": {"$ref": "customer.json"},
              "product": {"$ref": "product.json"},
              "price": {"$ref": "product.json#/definitions/Money"}
            }}
            """,
            references);

    // When a record is decoded
    ConvertedStruct value =
        struct(
            decoder,
            "{\"customer\": {\"name\": \"Ada\"}, \"product\": {\"sku\": \"p1\", \"price\": 2.5},"
                + " \"price\": 3}");

    // Then the referenced schemas give the types
    assertEquals(
        "struct<customer: struct<name: string>, product: struct<sku: string, price: double>,"
            + " price: double>",
        render(decoder.valueType()));
    assertEquals("Ada", ((ConvertedStruct) value.get("customer")).get("name"));
    assertEquals(2.5, ((ConvertedStruct) value.get("product")).get("price"));
    assertEquals(3.0, value.get("price"));
  }

  @Test
  void nullableTypesAndNullUnionsAreOptionalValues() {
    // Given a type array with null, and oneOf/anyOf of null and another schema, as Confluent's
    // Java schema generator writes optional fields
    JsonSchemaDecoder decoder =
        decoder(
            """
{"type": "object", "properties": {
  "nickname": {"type": ["null", "string"]},
  "age": {"oneOf": [{"type": "null", "title": "Not included"}, {"type": "integer"}]},
  "address": {"anyOf": [{"$ref": "#/definitions/Address"}, {"type": "null"}]}
},
"definitions": {"Address": {"type": "object", "properties": {"city": {"type": "string"}}}}}
""");

    // When one record has the values and another nulls
    ConvertedStruct full =
        struct(decoder, "{\"nickname\": \"Ace\", \"age\": 3, \"address\": {\"city\": \"Oslo\"}}");
    ConvertedStruct empty =
        struct(decoder, "{\"nickname\": null, \"age\": null, \"address\": null}");

    // Then each is the other schema's type, holding its value or null
    assertEquals(
        "struct<nickname: string, age: long, address: struct<city: string>>",
        render(decoder.valueType()));
    assertEquals("Ace", full.get("nickname"));
    assertEquals(3L, full.get("age"));
    assertEquals("Oslo", ((ConvertedStruct) full.get("address")).get("city"));
    assertNull(empty.get("nickname"));
    assertNull(empty.get("age"));
    assertNull(empty.get("address"));
  }

  @Test
  void aOneOfOfTwoTypesIsATaggedStruct() {
    // Given a oneOf of null, a string and an integer
    JsonSchemaDecoder decoder =
        decoder(
            """
            {"type": "object", "properties": {
              "ref": {"oneOf": [{"type": "null"}, {"type": "string"}, {"type": "integer"}]}
            }}
            """);

    // When records hold each branch
    ConvertedStruct text = (ConvertedStruct) struct(decoder, "{\"ref\": \"A-1\"}").get("ref");
    ConvertedStruct number = (ConvertedStruct) struct(decoder, "{\"ref\": 7}").get("ref");
    Object none = struct(decoder, "{\"ref\": null}").get("ref");

    // Then the union is a struct of the branch's index and one field per non-null branch, named as
    // Avro's unions are
    assertEquals(
        "struct<ref: struct<tag: int, field1: string, field2: long>>", render(decoder.valueType()));
    assertEquals(1, text.get("tag"));
    assertEquals("A-1", text.get("field1"));
    assertNull(text.get("field2"));
    assertEquals(2, number.get("tag"));
    assertEquals(7L, number.get("field2"));
    assertNull(none);
  }

  @Test
  void aTypeArrayOfTwoTypesIsATaggedStruct() {
    // Given a property of two types and null
    JsonSchemaDecoder decoder =
        decoder(
            "{\"type\": \"object\", \"properties\": {\"v\": {\"type\": [\"string\", \"null\","
                + " \"boolean\"]}}}");

    // When a record holds a boolean
    ConvertedStruct v = (ConvertedStruct) struct(decoder, "{\"v\": false}").get("v");

    // Then it is tagged by the type's index in the array
    assertEquals(
        "struct<v: struct<tag: int, field0: string, field2: boolean>>",
        render(decoder.valueType()));
    assertEquals(2, v.get("tag"));
    assertEquals(false, v.get("field2"));
  }

  @Test
  void objectBranchesAreChosenByWhatTheValueIsValidAgainst() {
    // Given a oneOf of two object schemas told apart by a const discriminator and by required
    // properties, beside a property common to both
    JsonSchemaDecoder decoder =
        decoder(
            """
            {"type": "object", "properties": {"pet": {
              "type": "object",
              "properties": {"name": {"type": "string"}},
              "oneOf": [
                {"properties": {"kind": {"const": "cat"}, "lives": {"type": "integer"}}},
                {"properties": {"kind": {"enum": ["dog", "wolf"]}, "breed": {"type": "string"}},
                 "required": ["breed"]}
              ]}}}
            """);

    // When records of each branch are decoded
    ConvertedStruct dog =
        (ConvertedStruct)
            struct(decoder, "{\"pet\": {\"name\": \"Rex\", \"kind\": \"dog\", \"breed\": \"lab\"}}")
                .get("pet");
    ConvertedStruct cat =
        (ConvertedStruct)
            struct(decoder, "{\"pet\": {\"kind\": \"cat\", \"lives\": 9, \"name\": \"Tom\"}}")
                .get("pet");

    // Then each is in the field of the branch it is valid against, with the common property
    assertEquals(
        "struct<pet: struct<tag: int, field0: struct<name: string, kind: string, lives: long>,"
            + " field1: struct<name: string, kind: string, breed: string>>>",
        render(decoder.valueType()));
    assertEquals(1, dog.get("tag"));
    assertEquals("lab", ((ConvertedStruct) dog.get("field1")).get("breed"));
    assertEquals("Rex", ((ConvertedStruct) dog.get("field1")).get("name"));
    assertEquals(0, cat.get("tag"));
    assertEquals(9L, ((ConvertedStruct) cat.get("field0")).get("lives"));
    assertEquals("Tom", ((ConvertedStruct) cat.get("field0")).get("name"));
  }

  @Test
  void branchesOfOneTypeAreThatType() {
    // Given a oneOf whose branches only require different properties of one object
    JsonSchemaDecoder decoder =
        decoder(
            """
{"type": "object", "properties": {"email": {"type": "string"}, "phone": {"type": "string"}},
 "oneOf": [{"required": ["email"]}, {"required": ["phone"]}]}
""");

    // When a record is decoded
    ConvertedStruct value = struct(decoder, "{\"phone\": \"555\"}");

    // Then the value is the object itself, not a union of two identical structs
    assertEquals("struct<email: string, phone: string>", render(decoder.valueType()));
    assertEquals("555", value.get("phone"));
  }

  @Test
  void aValueValidAgainstNoObjectBranchIsReadWithTheFirst() {
    // Given a oneOf of two closed object schemas
    JsonSchemaDecoder decoder =
        decoder(
            """
{"oneOf": [
  {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false},
  {"type": "object", "properties": {"b": {"type": "string"}}, "additionalProperties": false}
]}
""");

    // When a record matches the second, and one matches neither
    ConvertedStruct second = (ConvertedStruct) decode(decoder, "{\"b\": \"x\"}").value();
    ConvertedStruct neither = (ConvertedStruct) decode(decoder, "{\"a\": \"y\", \"c\": 1}").value();

    // Then the second is chosen for its record, and the first reads the other leniently
    assertEquals(1, second.get("tag"));
    assertEquals("x", ((ConvertedStruct) second.get("field1")).get("b"));
    assertEquals(0, neither.get("tag"));
    assertEquals("y", ((ConvertedStruct) neither.get("field0")).get("a"));
  }

  @Test
  void allOfObjectSchemasMergeIntoOneStruct() {
    // Given an allOf of a referenced base schema and an extension, beside own properties
    JsonSchemaDecoder decoder =
        decoder(
            """
{"type": "object", "properties": {"id": {"type": "integer"}},
 "allOf": [
   {"$ref": "#/definitions/Named"},
   {"type": "object", "properties": {"email": {"type": "string", "format": "email"},
                                     "name": {"description": "overridden doc"}}}
 ],
 "definitions": {"Named": {"type": "object", "properties": {"name": {"type": "string"}}}}}
""");

    // When a record is decoded
    ConvertedStruct value = struct(decoder, "{\"id\": 1, \"name\": \"Ada\", \"email\": \"a@b.c\"}");

    // Then one struct has the properties of all, in order of appearance
    assertEquals("struct<id: long, name: string, email: string>", render(decoder.valueType()));
    assertEquals(1L, value.get("id"));
    assertEquals("Ada", value.get("name"));
    assertEquals("a@b.c", value.get("email"));
  }

  @Test
  void enumsAndConstsOfStringsAreStrings() {
    // Given an enum and a const without a type, and an enum with one
    JsonSchemaDecoder decoder =
        decoder(
            """
            {"type": "object", "properties": {
              "status": {"enum": ["NEW", "SHIPPED"]},
              "version": {"const": "v1"},
              "level": {"type": "string", "enum": ["low", "high"]},
              "size": {"enum": [1, 2, 3]},
              "maybe": {"enum": ["yes", null]}
            }}
            """);

    // When a record is decoded
    ConvertedStruct value =
        struct(
            decoder,
            "{\"status\": \"SHIPPED\", \"version\": \"v1\", \"level\": \"high\", \"size\": 2,"
                + " \"maybe\": null}");

    // Then they are strings (and integers for an enum of integers)
    assertEquals(
        "struct<status: string, version: string, level: string, size: long, maybe: string>",
        render(decoder.valueType()));
    assertEquals("SHIPPED", value.get("status"));
    assertEquals("v1", value.get("version"));
    assertEquals("high", value.get("level"));
    assertEquals(2L, value.get("size"));
    assertNull(value.get("maybe"));
  }

  @Test
  void unknownPropertiesAreIgnoredAndMissingOnesNull() {
    // Given a schema of two properties
    JsonSchemaDecoder decoder =
        decoder(
            "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"}, \"b\":"
                + " {\"type\": \"integer\"}}}");

    // When a newer writer's record has other properties, some nested, and lacks one
    ConvertedStruct value =
        struct(
            decoder,
            "{\"new\": {\"deep\": [1, {\"x\": \"y\"}]}, \"a\": \"kept\", \"other\": null}");

    // Then the known property is read, the unknown skipped, and the missing one null
    assertEquals("kept", value.get("a"));
    assertNull(value.get("b"));
  }

  @Test
  void structValuesOfOnePlaceShareTheirNames() {
    // Given a decoder of nested objects
    JsonSchemaDecoder decoder =
        decoder(
            """
            {"type": "object", "properties": {
              "a": {"$ref": "#/definitions/P"}, "b": {"$ref": "#/definitions/P"}},
             "definitions": {"P": {"type": "object", "properties": {"x": {"type": "integer"}}}}}
            """);

    // When two records are decoded
    ConvertedStruct first = struct(decoder, "{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}}");
    ConvertedStruct second = struct(decoder, "{\"a\": {\"x\": 3}}");

    // Then each place's structs share one Names instance (RecordBuilder caches by it), one per
    // place
    assertSame(first.names(), second.names());
    assertSame(
        ((ConvertedStruct) first.get("a")).names(), ((ConvertedStruct) second.get("a")).names());
    assertTrue(
        ((ConvertedStruct) first.get("a")).names() != ((ConvertedStruct) first.get("b")).names());
  }

  @Test
  void fieldIdsAreUniqueWithinTheType() {
    // Given a schema with nested structs, lists, maps and unions
    JsonSchemaDecoder decoder =
        decoder(
            """
{"type": "object", "properties": {
  "a": {"type": "object", "properties": {"x": {"type": "array", "items": {"type": "integer"}}}},
  "m": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
  "u": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"y": {"type": "boolean"}}}]}
}}
""");

    // When every id in the type is collected
    List<Integer> ids = new ArrayList<>();
    collectIds(decoder.valueType(), ids);

    // Then none repeats, so the type can be a table schema as is
    assertEquals(ids.size(), new HashSet<>(ids).size());
    TypeUtil.indexById(decoder.valueType().asStructType());
  }

  @Test
  void aNonObjectTopLevelSchemaIsASingleValueType() {
    // Given top-level schemas of a string, an array and a free-form value
    JsonSchemaDecoder string = decoder("{\"type\": \"string\"}");
    JsonSchemaDecoder array = decoder("{\"type\": \"array\", \"items\": {\"type\": \"number\"}}");
    JsonSchemaDecoder any = decoder("true");

    // When values are decoded
    Object text = decode(string, "\"hello\"").value();
    Object numbers = decode(array, "[1, 2.5]").value();
    Object json = decode(any, " {\"k\": 1} ").value();
    Object number = decode(any, "42 ").value();

    // Then the value type is that single type
    assertEquals(Types.StringType.get(), string.valueType());
    assertEquals("list<double>", render(array.valueType()));
    assertEquals("hello", text);
    assertEquals(List.of(1.0, 2.5), numbers);
    assertEquals("{\"k\": 1}", json);
    assertEquals("42", number);
  }

  @Test
  void nullAndTombstonesDecodeToNull() {
    // Given an object schema
    JsonSchemaDecoder decoder =
        decoder("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"}}}");

    // When a tombstone and the JSON null are decoded
    ConversionResult tombstone = decoder.decode(null, 0, 0);
    ConversionResult jsonNull = decode(decoder, " null ");

    // Then both are null
    assertSame(ConversionResult.NULL, tombstone);
    assertTrue(jsonNull.isConverted());
    assertNull(jsonNull.value());
  }

  @Test
  void decodesFromAnOffsetWithinTheArray() {
    // Given the JSON after Confluent's 5-byte header
    JsonSchemaDecoder decoder = decoder("{\"type\": \"object\", \"properties\": {\"a\": {}}}");
    byte[] framed = "\0\0\0\0\1{\"a\": [1, 2]}!".getBytes(StandardCharsets.UTF_8);

    // When the payload alone is decoded
    ConversionResult result = decoder.decode(framed, 5, framed.length - 6);

    // Then values kept as JSON text are cut from the right bytes
    assertEquals("[1, 2]", ((ConvertedStruct) result.value()).get("a"));
  }

  @Test
  void propertyNamesWithDotsBecomeUnderscoredColumns() {
    // Given a property whose name has a dot and a property that allows only null
    JsonSchemaDecoder decoder =
        decoder(
            "{\"type\": \"object\", \"properties\": {\"a.b\": {\"type\": \"string\"}, \"n\":"
                + " {\"type\": \"null\"}}}");

    // When a record is decoded
    ConvertedStruct value = struct(decoder, "{\"a.b\": \"x\", \"n\": null}");

    // Then the column is a_b, read from the dotted key, and the null-only property has no column
    assertEquals("struct<a_b: string>", render(decoder.valueType()));
    assertEquals("x", value.get("a_b"));
  }

  @Test
  void recursiveRefsAreRefused() {
    // Given a tree whose nodes contain nodes
    String tree =
        """
        {"$ref": "#/definitions/Node", "definitions": {"Node": {"type": "object", "properties": {
          "value": {"type": "integer"},
          "children": {"type": "array", "items": {"$ref": "#/definitions/Node"}}}}}}
        """;

    // When a decoder is created
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> decoder(tree));

    // Then it is refused, naming the field and why
    assertTrue(e.getMessage().contains("field children.element"), e.getMessage());
    assertTrue(e.getMessage().contains("cannot be recursive"), e.getMessage());
  }

  @Test
  void schemasIcebergCannotHoldAreRefused() {
    // Given a ref to nothing, a value that is always null, a non-JSON text and two properties that
    // would share a column
    String dangling = "{\"type\": \"object\", \"properties\": {\"a\": {\"$ref\": \"other.json\"}}}";
    String onlyNull = "{\"type\": \"null\"}";
    String notJson = "{\"type\": ";
    String clash =
        "{\"properties\": {\"a.b\": {\"type\": \"string\"}, \"a_b\": {\"type\": \"string\"}}}";

    // When decoders are created, then each is refused with a message saying why
    assertMessage("names no schema", () -> decoder(dangling));
    assertMessage("allows no value but null", () -> decoder(onlyNull));
    assertMessage("Cannot parse the JSON schema", () -> decoder(notJson));
    assertMessage("would both be column 'a_b'", () -> decoder(clash));
  }

  @Test
  void schemasNestedTooDeeplyAreRefused() {
    // Given objects nested deeper than decoding may recurse
    String deep =
        "{\"type\": \"object\", \"properties\": {\"a\": "
                .repeat(JsonSchemaTypeMapping.MAX_DEPTH + 1)
            + "{\"type\": \"string\"}"
            + "}}".repeat(JsonSchemaTypeMapping.MAX_DEPTH + 1);

    // When a decoder is created, then it is refused
    assertMessage("nests deeper than", () -> decoder(deep));
  }

  static JsonSchemaDecoder decoder(String schema) {
    return JsonSchemaDecoder.forSchema(schema, Map.of());
  }

  static ConversionResult decode(JsonSchemaDecoder decoder, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return decoder.decode(bytes, 0, bytes.length);
  }

  static ConvertedStruct struct(JsonSchemaDecoder decoder, String json) {
    ConversionResult result = decode(decoder, json);
    assertTrue(result.isConverted(), () -> "expected a value, got " + result.error());
    return assertInstanceOf(ConvertedStruct.class, result.value());
  }

  /** A type without its field ids. */
  static String render(Type type) {
    switch (type.typeId()) {
      case STRUCT:
        return type.asStructType().fields().stream()
            .map(f -> f.name() + ": " + render(f.type()))
            .collect(Collectors.joining(", ", "struct<", ">"));
      case LIST:
        return "list<" + render(type.asListType().elementType()) + ">";
      case MAP:
        return "map<"
            + render(type.asMapType().keyType())
            + ", "
            + render(type.asMapType().valueType())
            + ">";
      default:
        return type.toString();
    }
  }

  private static void collectIds(Type type, List<Integer> ids) {
    if (type.isNestedType()) {
      for (Types.NestedField field : type.asNestedType().fields()) {
        ids.add(field.fieldId());
        collectIds(field.type(), ids);
      }
    }
  }

  private static void assertMessage(
      String expected, org.junit.jupiter.api.function.Executable create) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, create);
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
