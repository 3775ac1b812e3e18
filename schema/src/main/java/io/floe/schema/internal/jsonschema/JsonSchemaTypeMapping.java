package io.floe.schema.internal.jsonschema;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.floe.schema.internal.jsonschema.SchemaDocuments.Located;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Maps a JSON schema to the Iceberg type of its values and builds the readers that decode them.
 * Both come out of one walk of the schema, so a reader always produces what its type says. See
 * {@link JsonSchemaDecoder} for the mapping.
 *
 * <p>The walk looks at the subschemas that all apply at one place at once: a schema, the targets of
 * its {@code $ref}s and the members of its {@code allOf}s, transitively. Keywords are read across
 * them: {@code type}s intersect, {@code properties} and {@code required} add up in order, {@code
 * items} and {@code additionalProperties} apply together, and a {@code oneOf}/{@code anyOf} takes
 * the other subschemas into each of its branches.
 */
final class JsonSchemaTypeMapping {

  /** An Iceberg type and the reader of its values. */
  record Mapped(Type type, JsonValueReader reader) {}

  /**
   * How many Iceberg fields a schema may expand to: a definition used twice in each of its users
   * doubles at every level, and a table of more columns than this is not useful anyway.
   */
  static final int MAX_FIELD_IDS = 100_000;

  /**
   * How deep types may nest: decoding recurses once per level, and no table is usefully deeper, so
   * a deeper schema is refused rather than risking the stack.
   */
  static final int MAX_DEPTH = 200;

  private static final Set<String> TYPES =
      Set.of("null", "boolean", "object", "array", "number", "string", "integer");
  private static final List<String> UNION_KEYWORDS = List.of("oneOf", "anyOf");
  private static final Set<String> OBJECT_KEYWORDS =
      Set.of(
          "properties",
          "additionalProperties",
          "patternProperties",
          "required",
          "propertyNames",
          "minProperties",
          "maxProperties");
  private static final Set<String> ARRAY_KEYWORDS =
      Set.of(
          "items",
          "prefixItems",
          "additionalItems",
          "contains",
          "minItems",
          "maxItems",
          "uniqueItems");

  /** Keywords that never reject a value: a schema of only these accepts anything. */
  private static final Set<String> ANNOTATIONS =
      Set.of(
          "$schema",
          "$id",
          "id",
          "$comment",
          "title",
          "description",
          "default",
          "examples",
          "readOnly",
          "writeOnly",
          "deprecated",
          "definitions",
          "$defs",
          "$anchor");

  private static final Set<JsonToken> OBJECT_TOKENS =
      Collections.unmodifiableSet(EnumSet.of(JsonToken.START_OBJECT));
  private static final Set<JsonToken> ARRAY_TOKENS =
      Collections.unmodifiableSet(EnumSet.of(JsonToken.START_ARRAY));

  /**
   * The subschemas that apply at one place ({@code $ref}s and {@code allOf}s expanded), and the
   * {@code oneOf}/{@code anyOf} arrays already taken apart above it.
   */
  private record Subschemas(List<Located> parts, Set<JsonNode> unionsTaken) {}

  /** A {@code oneOf}/{@code anyOf} not yet taken apart. */
  private record UnionAt(Located holder, String keyword, JsonNode alternatives) {}

  private final SchemaDocuments documents;

  /**
   * The subschemas of the places being mapped, from the top down: meeting one again is recursion.
   */
  private final Set<JsonNode> inProgress = Collections.newSetFromMap(new IdentityHashMap<>());

  private int lastId = 0;
  private int depth = 0;

  private JsonSchemaTypeMapping(SchemaDocuments documents) {
    this.documents = documents;
  }

  /**
   * @throws IllegalArgumentException if Iceberg cannot hold the schema's values: a schema that
   *     contains itself through {@code $ref}, one that allows only null, a {@code $ref} that names
   *     nothing, two properties that become one column
   */
  static Mapped map(SchemaDocuments documents) {
    JsonSchemaTypeMapping mapping = new JsonSchemaTypeMapping(documents);
    Subschemas root =
        new Subschemas(mapping.expand(List.of(documents.root()), List.of(), ""), Set.of());
    Mapped mapped = mapping.visit(root, "");
    Preconditions.checkArgument(
        mapped != null,
        "Cannot decode JSON schema: it allows no value but null, which has no column");
    return mapped;
  }

  /** Returns null where only null (or nothing) is valid: such a value has no column. */
  private Mapped visit(Subschemas subschemas, String path) {
    Preconditions.checkArgument(
        ++depth <= MAX_DEPTH,
        "Cannot decode JSON schema at %s: it nests deeper than %s levels",
        describe(path),
        MAX_DEPTH);
    List<JsonNode> entered = new ArrayList<>();
    for (Located part : subschemas.parts()) {
      if (part.node().isObject() && inProgress.add(part.node())) {
        entered.add(part.node());
      }
    }
    try {
      return visitParts(subschemas, path);
    } finally {
      entered.forEach(inProgress::remove);
      depth--;
    }
  }

  private Mapped visitParts(Subschemas subschemas, String path) {
    if (rejectsAll(subschemas)) {
      return null;
    }
    UnionAt union = untakenUnion(subschemas);
    if (union != null) {
      return union(subschemas, union, path);
    }
    Set<String> types = types(subschemas, path);
    if (types == null) {
      JsonValueReader any =
          JsonValueReaders.jsonText(path, "any JSON value (kept as JSON text)", null);
      any.nullable(true);
      return new Mapped(Types.StringType.get(), any);
    }
    boolean nullable = types.remove("null");
    if (types.contains("number")) {
      types.remove("integer"); // every integer is a number: one double column holds both
    }
    if (types.isEmpty()) {
      return null;
    }
    Mapped mapped =
        types.size() == 1
            ? single(types.iterator().next(), subschemas, path)
            : typeUnion(subschemas, types, path);
    mapped.reader().nullable(nullable);
    return mapped;
  }

  private Mapped single(String type, Subschemas subschemas, String path) {
    switch (type) {
      case "string":
        String format = firstText(subschemas, "format");
        switch (format == null ? "" : format) {
          case "date-time":
            return new Mapped(Types.TimestampType.withZone(), JsonValueReaders.timestamps(path));
          case "date":
            return new Mapped(Types.DateType.get(), JsonValueReaders.dates(path));
          case "time":
            return new Mapped(Types.TimeType.get(), JsonValueReaders.times(path));
          case "uuid":
            return new Mapped(Types.UUIDType.get(), JsonValueReaders.uuids(path));
          default:
            return new Mapped(
                Types.StringType.get(), JsonValueReaders.strings(path, allowed(subschemas, type)));
        }
      case "integer":
        return new Mapped(
            Types.LongType.get(), JsonValueReaders.longs(path, allowed(subschemas, type)));
      case "number":
        return new Mapped(
            Types.DoubleType.get(), JsonValueReaders.doubles(path, allowed(subschemas, type)));
      case "boolean":
        return new Mapped(
            Types.BooleanType.get(), JsonValueReaders.booleans(path, allowed(subschemas, type)));
      case "array":
        return array(subschemas, path);
      case "object":
        return object(subschemas, path);
      default:
        throw new IllegalStateException("Unknown JSON Schema type " + type);
    }
  }

  private Mapped object(Subschemas subschemas, String path) {
    Map<String, List<Located>> properties = new LinkedHashMap<>();
    for (Located part : subschemas.parts()) {
      JsonNode declared = part.node().get("properties");
      if (declared == null) {
        continue;
      }
      Preconditions.checkArgument(
          declared.isObject(),
          "Cannot decode JSON schema at %s: properties must be an object",
          describe(path));
      declared
          .properties()
          .forEach(
              p ->
                  properties
                      .computeIfAbsent(p.getKey(), k -> new ArrayList<>())
                      .add(new Located(part.doc(), p.getValue())));
    }
    List<Types.NestedField> fields = new ArrayList<>();
    List<String> columns = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    List<JsonValueReader> readers = new ArrayList<>();
    Map<String, String> keyByColumn = new HashMap<>();
    for (Map.Entry<String, List<Located>> property : properties.entrySet()) {
      String key = property.getKey();
      if (key.isEmpty()) {
        continue; // an empty name cannot name a column
      }
      String column = columnName(key);
      String fieldPath = child(path, column);
      Subschemas fieldSubschemas =
          new Subschemas(expand(property.getValue(), List.of(), fieldPath), Set.of());
      Mapped mapped = visit(fieldSubschemas, fieldPath);
      if (mapped == null) {
        continue;
      }
      String previous = keyByColumn.putIfAbsent(column, key);
      Preconditions.checkArgument(
          previous == null,
          "Cannot decode JSON schema at %s: properties '%s' and '%s' would both be column '%s'"
              + " (dots become underscores, as dotted names denote nested columns)",
          describe(path),
          previous,
          key,
          column);
      fields.add(
          Types.NestedField.optional(
              nextId(), column, mapped.type(), firstText(fieldSubschemas, "description")));
      columns.add(column);
      keys.add(key);
      readers.add(mapped.reader());
    }
    if (!fields.isEmpty()) {
      // one Names per place the object appears: RecordBuilder caches per Names and struct type
      return new Mapped(
          Types.StructType.of(fields),
          JsonValueReaders.structs(
              path,
              JsonValueReaders.names(columns),
              keys,
              readers,
              required(subschemas),
              closed(subschemas)));
    }
    List<Located> additional = new ArrayList<>();
    for (Located part : subschemas.parts()) {
      JsonNode schema = part.node().get("additionalProperties");
      if (schema != null && !acceptsAnything(schema)) {
        additional.add(new Located(part.doc(), schema));
      }
    }
    if (!additional.isEmpty()) {
      String valuePath = child(path, "value");
      Mapped value =
          visit(new Subschemas(expand(additional, List.of(), valuePath), Set.of()), valuePath);
      if (value != null) {
        int keyId = nextId();
        int valueId = nextId();
        return new Mapped(
            Types.MapType.ofOptional(keyId, valueId, Types.StringType.get(), value.type()),
            JsonValueReaders.maps(path, value.reader()));
      }
    }
    return new Mapped(
        Types.StringType.get(),
        JsonValueReaders.jsonText(path, "an object (kept as JSON text)", OBJECT_TOKENS));
  }

  private Mapped array(Subschemas subschemas, String path) {
    List<Located> items = new ArrayList<>();
    for (Located part : subschemas.parts()) {
      JsonNode node = part.node();
      JsonNode schema = node.get("items");
      if (node.has("prefixItems") || (schema != null && schema.isArray())) {
        return arrayAsText(path); // a tuple: its positions have different types
      }
      if (schema != null && !acceptsAnything(schema)) {
        items.add(new Located(part.doc(), schema));
      }
    }
    String elementPath = child(path, "element");
    Mapped element;
    if (items.isEmpty()) {
      JsonValueReader any =
          JsonValueReaders.jsonText(elementPath, "any JSON value (kept as JSON text)", null);
      any.nullable(true);
      element = new Mapped(Types.StringType.get(), any);
    } else {
      element = visit(new Subschemas(expand(items, List.of(), elementPath), Set.of()), elementPath);
      if (element == null) {
        return arrayAsText(path); // only nulls: no element type
      }
    }
    return new Mapped(
        Types.ListType.ofOptional(nextId(), element.type()),
        JsonValueReaders.lists(path, element.reader()));
  }

  private static Mapped arrayAsText(String path) {
    return new Mapped(
        Types.StringType.get(),
        JsonValueReaders.jsonText(path, "an array (kept as JSON text)", ARRAY_TOKENS));
  }

  /**
   * {@code oneOf}/{@code anyOf}: each branch with the subschemas beside the keyword. Branches that
   * allow only null have no field; with one branch left, or branches all of one type, the value is
   * that type's, optional. Otherwise a struct of {@code tag} and {@code field<i>} for branch i, as
   * Iceberg names Avro's unions.
   */
  private Mapped union(Subschemas subschemas, UnionAt union, String path) {
    JsonNode alternatives = union.alternatives();
    Preconditions.checkArgument(
        alternatives.isArray() && !alternatives.isEmpty(),
        "Cannot decode JSON schema at %s: %s must be a non-empty array of schemas",
        describe(path),
        union.keyword());
    Set<JsonNode> taken = Collections.newSetFromMap(new IdentityHashMap<>());
    taken.addAll(subschemas.unionsTaken());
    taken.add(alternatives);
    List<Subschemas> branches = new ArrayList<>();
    List<Integer> valued = new ArrayList<>();
    for (int i = 0; i < alternatives.size(); i++) {
      Located alternative = new Located(union.holder().doc(), alternatives.get(i));
      Subschemas branch =
          new Subschemas(
              concat(subschemas.parts(), expand(List.of(alternative), subschemas.parts(), path)),
              taken);
      branches.add(branch);
      if (!allowsOnlyNull(branch, path)) {
        valued.add(i);
      }
    }
    if (valued.isEmpty()) {
      return null;
    }
    boolean hasNull = valued.size() < branches.size();
    if (valued.size() == 1) {
      Mapped only = visit(branches.get(valued.get(0)), path);
      if (hasNull) {
        only.reader().nullable(true);
      }
      return only;
    }
    List<Subschemas> valuedBranches = new ArrayList<>();
    valued.forEach(i -> valuedBranches.add(branches.get(i)));
    Mapped mapped = unionStruct(valuedBranches, valued, path);
    List<Types.NestedField> fields = mapped.type().asStructType().fields();
    boolean oneShape = true;
    for (int i = 2; i < fields.size(); i++) {
      oneShape &= sameShape(fields.get(1).type(), fields.get(i).type());
    }
    if (oneShape) {
      // branches that differ only in what they validate ({"required": ["a"]} or ["b"]) hold the
      // same values: a struct of identical fields would only say which one matched
      Mapped first = visit(valuedBranches.get(0), path);
      first.reader().nullable(hasNull);
      return first;
    }
    mapped.reader().nullable(hasNull);
    return mapped;
  }

  /** Whether two types are the same but for field ids. */
  private static boolean sameShape(Type a, Type b) {
    if (a.typeId() != b.typeId()) {
      return false;
    }
    switch (a.typeId()) {
      case STRUCT:
        List<Types.NestedField> left = a.asStructType().fields();
        List<Types.NestedField> right = b.asStructType().fields();
        if (left.size() != right.size()) {
          return false;
        }
        for (int i = 0; i < left.size(); i++) {
          if (!left.get(i).name().equals(right.get(i).name())
              || !sameShape(left.get(i).type(), right.get(i).type())) {
            return false;
          }
        }
        return true;
      case LIST:
        return sameShape(a.asListType().elementType(), b.asListType().elementType());
      case MAP:
        return sameShape(a.asMapType().keyType(), b.asMapType().keyType())
            && sameShape(a.asMapType().valueType(), b.asMapType().valueType());
      default:
        return a.equals(b);
    }
  }

  /** {@code "type": [X, Y, ...]}: one branch per type, tagged by its index in the array. */
  private Mapped typeUnion(Subschemas subschemas, Set<String> types, String path) {
    List<String> declared = declaredTypes(subschemas);
    List<Subschemas> branches = new ArrayList<>();
    List<Integer> tags = new ArrayList<>();
    for (String type : types) {
      Located only =
          new Located(
              documents.root().doc(), JsonNodeFactory.instance.objectNode().put("type", type));
      branches.add(
          new Subschemas(concat(subschemas.parts(), List.of(only)), subschemas.unionsTaken()));
      int index = declared.indexOf(type);
      if (index < 0 && type.equals("integer")) {
        index = declared.indexOf("number"); // the other part said integer, narrowing number
      }
      tags.add(index >= 0 ? index : declared.size() + tags.size());
    }
    return unionStruct(branches, tags, path);
  }

  private Mapped unionStruct(List<Subschemas> branches, List<Integer> tags, String path) {
    List<Types.NestedField> fields = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<JsonValueReader> readers = new ArrayList<>();
    fields.add(Types.NestedField.optional(nextId(), "tag", Types.IntegerType.get()));
    names.add("tag");
    for (int i = 0; i < branches.size(); i++) {
      String name = "field" + tags.get(i);
      Mapped branch = visit(branches.get(i), child(path, name));
      Preconditions.checkState(branch != null, "A branch that allows a value has no type");
      fields.add(Types.NestedField.optional(nextId(), name, branch.type()));
      names.add(name);
      readers.add(branch.reader());
    }
    return new Mapped(
        Types.StructType.of(fields),
        JsonValueReaders.unions(
            path,
            JsonValueReaders.names(names),
            tags.stream().mapToInt(Integer::intValue).toArray(),
            readers));
  }

  /**
   * Whether only null (or nothing) is valid for {@code subschemas}, without mapping its children.
   */
  private boolean allowsOnlyNull(Subschemas subschemas, String path) {
    if (rejectsAll(subschemas)) {
      return true;
    }
    UnionAt union = untakenUnion(subschemas);
    if (union != null) {
      Set<JsonNode> taken = Collections.newSetFromMap(new IdentityHashMap<>());
      taken.addAll(subschemas.unionsTaken());
      taken.add(union.alternatives());
      for (JsonNode alternative : union.alternatives()) {
        List<Located> expanded =
            expand(
                List.of(new Located(union.holder().doc(), alternative)), subschemas.parts(), path);
        if (!allowsOnlyNull(new Subschemas(concat(subschemas.parts(), expanded), taken), path)) {
          return false;
        }
      }
      return true;
    }
    Set<String> types = types(subschemas, path);
    if (types == null) {
      return false;
    }
    types.remove("null");
    return types.isEmpty();
  }

  /**
   * The subschemas that apply where {@code schemas} do: each, its {@code $ref} target and its
   * {@code allOf} members, transitively; {@code true} schemas are left out.
   *
   * @param present subschemas already applying there (a union's siblings), not added again
   */
  private List<Located> expand(List<Located> schemas, Collection<Located> present, String path) {
    Set<JsonNode> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Located part : present) {
      seen.add(part.node());
    }
    List<Located> parts = new ArrayList<>();
    for (Located schema : schemas) {
      expandInto(schema, parts, seen, path);
    }
    return parts;
  }

  private void expandInto(Located schema, List<Located> parts, Set<JsonNode> seen, String path) {
    JsonNode node = schema.node();
    if (node.isBoolean()) {
      if (!node.asBoolean()) {
        parts.add(schema);
      }
      return;
    }
    Preconditions.checkArgument(
        node.isObject(),
        "Cannot decode JSON schema at %s: a schema must be an object or a boolean, got %s",
        describe(path),
        node.getNodeType());
    if (!seen.add(node)) {
      return;
    }
    parts.add(schema);
    JsonNode ref = node.get("$ref");
    if (ref != null) {
      Preconditions.checkArgument(
          ref.isTextual(),
          "Cannot decode JSON schema at %s: $ref must be a string",
          describe(path));
      Located target = documents.resolve(schema.doc(), ref.asText(), describe(path));
      Preconditions.checkArgument(
          seen.contains(target.node()) || !inProgress.contains(target.node()),
          "Cannot decode JSON schema at %s: $ref '%s' refers to a schema that contains it, and"
              + " Iceberg types cannot be recursive",
          describe(path),
          ref.asText());
      expandInto(target, parts, seen, path);
    }
    JsonNode allOf = node.get("allOf");
    if (allOf != null) {
      Preconditions.checkArgument(
          allOf.isArray(),
          "Cannot decode JSON schema at %s: allOf must be an array of schemas",
          describe(path));
      for (JsonNode member : allOf) {
        expandInto(new Located(schema.doc(), member), parts, seen, path);
      }
    }
  }

  /**
   * The JSON types {@code subschemas} allows: the intersection of its {@code type}s, else inferred
   * from its keywords ({@code properties}: object, {@code items}: array, {@code enum}: its
   * values'), or null if any JSON value is allowed. A mutable set in declaration order.
   */
  private static Set<String> types(Subschemas subschemas, String path) {
    Set<String> types = null;
    for (Located part : subschemas.parts()) {
      JsonNode type = part.node().get("type");
      if (type != null) {
        Set<String> declared = new LinkedHashSet<>(typeList(type, path));
        types = types == null ? declared : intersect(types, declared);
      }
    }
    if (types != null) {
      return types;
    }
    for (Located part : subschemas.parts()) {
      if (hasAny(part.node(), OBJECT_KEYWORDS)) {
        return new LinkedHashSet<>(List.of("object"));
      }
    }
    for (Located part : subschemas.parts()) {
      if (hasAny(part.node(), ARRAY_KEYWORDS)) {
        return new LinkedHashSet<>(List.of("array"));
      }
    }
    JsonNode values = enumValues(subschemas);
    if (values == null) {
      return null;
    }
    Set<String> kinds = new LinkedHashSet<>();
    values.forEach(value -> kinds.add(kind(value)));
    if (kinds.contains("number")) {
      kinds.remove("integer");
    }
    // an enum of one kind of value (and null) is of that type; a mix is kept as JSON text
    return kinds.size() - (kinds.contains("null") ? 1 : 0) <= 1 ? kinds : null;
  }

  private static List<String> typeList(JsonNode type, String path) {
    List<String> names = new ArrayList<>();
    if (type.isArray()) {
      type.forEach(t -> names.add(t.asText()));
    } else {
      names.add(type.asText());
    }
    for (int i = 0; i < names.size(); i++) {
      JsonNode name = type.isArray() ? type.get(i) : type;
      Preconditions.checkArgument(
          name.isTextual() && TYPES.contains(names.get(i)),
          "Cannot decode JSON schema at %s: type %s is not one of %s",
          describe(path),
          name,
          TYPES);
    }
    return names;
  }

  /** Integers are numbers: integer and number intersect in integer. */
  private static Set<String> intersect(Set<String> types, Set<String> declared) {
    Set<String> both = new LinkedHashSet<>();
    for (String type : types) {
      if (declared.contains(type)) {
        both.add(type);
      } else if (type.equals("integer") && declared.contains("number")
          || type.equals("number") && declared.contains("integer")) {
        both.add("integer");
      }
    }
    return both;
  }

  /** The first {@code type} array as declared, for the tags of its branches. */
  private static List<String> declaredTypes(Subschemas subschemas) {
    for (Located part : subschemas.parts()) {
      JsonNode type = part.node().get("type");
      if (type != null && type.isArray()) {
        List<String> names = new ArrayList<>();
        type.forEach(t -> names.add(t.asText()));
        return names;
      }
    }
    return List.of();
  }

  /**
   * The values {@code const} or {@code enum} allows, as the Java values of {@code type}, for strict
   * reads choosing a union's branch; null if there is neither.
   */
  private static Set<Object> allowed(Subschemas subschemas, String type) {
    JsonNode values = enumValues(subschemas);
    if (values == null) {
      return null;
    }
    Set<Object> allowed = new HashSet<>();
    for (JsonNode value : values) {
      switch (type) {
        case "string":
          if (value.isTextual()) {
            allowed.add(value.asText());
          }
          break;
        case "integer":
          if (value.isNumber()
              && kind(value).equals("integer")
              && value.canConvertToExactIntegral()
              && value.canConvertToLong()) {
            allowed.add(value.asLong());
          }
          break;
        case "number":
          if (value.isNumber()) {
            allowed.add(value.asDouble());
          }
          break;
        case "boolean":
          if (value.isBoolean()) {
            allowed.add(value.asBoolean());
          }
          break;
        default:
          break;
      }
    }
    return allowed;
  }

  /** The first {@code const} (as an array of it) or {@code enum} of {@code subschemas}. */
  private static JsonNode enumValues(Subschemas subschemas) {
    for (Located part : subschemas.parts()) {
      JsonNode constant = part.node().get("const");
      if (constant != null) {
        return JsonNodeFactory.instance.arrayNode().add(constant);
      }
      JsonNode values = part.node().get("enum");
      if (values != null && values.isArray()) {
        return values;
      }
    }
    return null;
  }

  private static String kind(JsonNode value) {
    if (value.isTextual()) {
      return "string";
    }
    if (value.isNumber()) {
      return value.isIntegralNumber() || value.canConvertToExactIntegral() ? "integer" : "number";
    }
    if (value.isBoolean()) {
      return "boolean";
    }
    if (value.isNull()) {
      return "null";
    }
    return value.isArray() ? "array" : "object";
  }

  private static Set<String> required(Subschemas subschemas) {
    Set<String> required = new LinkedHashSet<>();
    for (Located part : subschemas.parts()) {
      JsonNode names = part.node().get("required");
      if (names != null && names.isArray()) {
        names.forEach(name -> required.add(name.asText()));
      }
    }
    return required;
  }

  /** Whether no property beyond the declared ones is allowed. */
  private static boolean closed(Subschemas subschemas) {
    boolean closed = false;
    for (Located part : subschemas.parts()) {
      JsonNode additional = part.node().get("additionalProperties");
      if (part.node().has("patternProperties")) {
        return false; // properties of its patterns are allowed; not checked
      }
      closed |= additional != null && additional.isBoolean() && !additional.asBoolean();
    }
    return closed;
  }

  private static boolean rejectsAll(Subschemas subschemas) {
    for (Located part : subschemas.parts()) {
      if (part.node().isBoolean() && !part.node().asBoolean()) {
        return true;
      }
    }
    return false;
  }

  private static UnionAt untakenUnion(Subschemas subschemas) {
    for (Located part : subschemas.parts()) {
      for (String keyword : UNION_KEYWORDS) {
        JsonNode alternatives = part.node().get(keyword);
        if (alternatives != null && !subschemas.unionsTaken().contains(alternatives)) {
          return new UnionAt(part, keyword, alternatives);
        }
      }
    }
    return null;
  }

  private static boolean acceptsAnything(JsonNode schema) {
    if (schema.isBoolean()) {
      return schema.asBoolean();
    }
    if (!schema.isObject()) {
      return false;
    }
    Iterator<String> keys = schema.fieldNames();
    while (keys.hasNext()) {
      if (!ANNOTATIONS.contains(keys.next())) {
        return false;
      }
    }
    return true;
  }

  private static boolean hasAny(JsonNode node, Set<String> keywords) {
    Iterator<String> keys = node.fieldNames();
    while (keys.hasNext()) {
      if (keywords.contains(keys.next())) {
        return true;
      }
    }
    return false;
  }

  private static String firstText(Subschemas subschemas, String keyword) {
    for (Located part : subschemas.parts()) {
      JsonNode value = part.node().get(keyword);
      if (value != null && value.isTextual()) {
        return value.asText();
      }
    }
    return null;
  }

  private int nextId() {
    Preconditions.checkArgument(
        lastId < MAX_FIELD_IDS,
        "Cannot decode JSON schema: it expands to more than %s Iceberg fields",
        MAX_FIELD_IDS);
    return ++lastId;
  }

  private static List<Located> concat(List<Located> first, List<Located> second) {
    List<Located> all = new ArrayList<>(first.size() + second.size());
    all.addAll(first);
    all.addAll(second);
    return all;
  }

  /** As schemaless JSON names columns: dotted names denote nested columns in Iceberg. */
  static String columnName(String key) {
    return key.indexOf('.') < 0 ? key : key.replace('.', '_');
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static String describe(String path) {
    return path.isEmpty() ? "the top level" : "field " + path;
  }
}
