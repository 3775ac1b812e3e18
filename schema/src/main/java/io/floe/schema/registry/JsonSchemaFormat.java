package io.floe.schema.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * JSON Schema, with a documented subset of Confluent's compatibility rules.
 *
 * <p>Validation: the schema is one JSON object (no trailing content, no duplicate keys); {@code type} names JSON
 * Schema types; {@code properties}, {@code required}, {@code enum} and the keywords holding subschemas have their
 * JSON shapes; every {@code $ref} resolves, locally ({@code #/definitions/X}) or to a reference by name (the part
 * of the URL before {@code #}). Keywords are otherwise not interpreted, so every draft is accepted.
 *
 * <p>Canonical form: compact JSON with the keys of every object sorted, except the members of {@code
 * properties}, which keep their declared order: that order becomes the column order of a table topic's table,
 * so two schemas that differ in it are two schemas.
 *
 * <p>Compatibility, of a reader schema with data valid under a writer schema, compares the two recursively
 * ({@code $ref}s followed) and reports, with Confluent's names for them:
 *
 * <ul>
 *   <li>TYPE_NARROWED: a type the writer allows that the reader does not ({@code integer} widens to {@code
 *       number});
 *   <li>PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL: a writer property the reader lacks while refusing
 *       additional properties ({@code additionalProperties: false}); removing one from an open model is fine;
 *   <li>PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: a reader property the writer lacks while allowing additional
 *       properties, under which the writer may have written anything (Confluent's default, strict policy);
 *       adding one to a closed model is fine;
 *   <li>REQUIRED_ATTRIBUTE_ADDED: a property the reader requires and the writer does not, unless the reader's
 *       property has a default;
 *   <li>ADDITIONAL_PROPERTIES_NARROWED: the reader closes or restricts additional properties the writer allowed;
 *   <li>ENUM_ARRAY_NARROWED: values of the writer's {@code enum} (or an {@code enum} the writer lacks) missing
 *       from the reader's; CONST_CHANGED likewise for {@code const};
 *   <li>*_NARROWED bounds: a maximum ({@code maxLength}, {@code maxItems}, {@code maxProperties}, {@code maximum},
 *       {@code exclusiveMaximum}) added or lowered, a minimum added or raised;
 *   <li>SUM_TYPE_NARROWED: a writer alternative ({@code oneOf}/{@code anyOf}) that no reader alternative reads;
 *   <li>KEYWORD_CHANGED: any other validation keyword ({@code pattern}, {@code format}, {@code allOf}, {@code
 *       not}, {@code patternProperties}, ...) that the reader has and that differs from the writer's: these are
 *       compared for equality only. Annotations ({@code title}, {@code description}, {@code default}, ...) are
 *       ignored; a removed keyword only loosens the reader.
 * </ul>
 */
public final class JsonSchemaFormat implements SchemaFormat {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private static final Set<String> TYPES =
      Set.of("null", "boolean", "object", "array", "number", "string", "integer");
  /** Keywords whose value is one subschema. */
  private static final Set<String> SCHEMA_KEYWORDS =
      Set.of(
          "items", "additionalProperties", "additionalItems", "not", "if", "then", "else", "contains",
          "propertyNames", "unevaluatedProperties", "unevaluatedItems");
  /** Keywords whose value is an array of subschemas. */
  private static final Set<String> SCHEMA_ARRAY_KEYWORDS = Set.of("allOf", "anyOf", "oneOf", "prefixItems");
  /** Keywords whose value maps names to subschemas, with no meaning in the order. */
  private static final Set<String> SCHEMA_MAP_KEYWORDS =
      Set.of("definitions", "$defs", "patternProperties", "dependentSchemas");
  /** Keywords that describe and never reject a value. */
  private static final Set<String> ANNOTATIONS =
      Set.of(
          "$schema", "$id", "id", "$comment", "title", "description", "default", "examples", "readOnly",
          "writeOnly", "deprecated", "definitions", "$defs", "$anchor");
  /** Keywords the comparison understands beyond equality. */
  private static final Set<String> COMPARED =
      Set.of(
          "$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "const", "oneOf",
          "anyOf", "maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum", "minLength",
          "minItems", "minProperties", "minimum", "exclusiveMinimum");
  private static final List<String> UPPER_BOUNDS =
      List.of("maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum");
  private static final List<String> LOWER_BOUNDS =
      List.of("minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum");

  @Override
  public SchemaType type() {
    return SchemaType.JSON;
  }

  @Override
  public String canonicalize(String schema, Map<String, String> references) {
    Document doc = Document.of(schema, references);
    validate(doc, doc.root, "#", Collections.newSetFromMap(new IdentityHashMap<>()));
    try {
      return MAPPER.writeValueAsString(canonicalSchema(doc.root));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write a parsed JSON tree", e);
    }
  }

  @Override
  public List<String> readIncompatibilities(
      String reader, Map<String, String> readerReferences, String writer, Map<String, String> writerReferences) {
    Document readerDoc = Document.of(reader, readerReferences);
    Document writerDoc = Document.of(writer, writerReferences);
    Comparison c = new Comparison();
    c.compare(new Located(writerDoc, writerDoc.root), new Located(readerDoc, readerDoc.root), "#");
    return List.copyOf(c.problems);
  }

  // ---------------------------------------------------------------- parsing and validation

  /** A parsed schema and the parsed schemas its references name, by name. */
  private static final class Document {
    final JsonNode root;
    final Map<String, Document> references;

    private Document(JsonNode root, Map<String, Document> references) {
      this.root = root;
      this.references = references;
    }

    static Document of(String schema, Map<String, String> references) {
      Map<String, Document> refs = new HashMap<>();
      for (Map.Entry<String, String> ref : references.entrySet()) {
        JsonNode node = parse(ref.getValue(), "the JSON schema referenced as '" + ref.getKey() + "'");
        refs.put(stripFragment(ref.getKey()), new Document(node, refs));
      }
      return new Document(parse(schema, "the JSON schema"), refs);
    }

    /** The node a {@code $ref} names, or null if it names nothing. */
    Located resolve(String ref) {
      int hash = ref.indexOf('#');
      String base = hash < 0 ? ref : ref.substring(0, hash);
      String pointer = hash < 0 ? "" : ref.substring(hash + 1);
      Document target = base.isEmpty() ? this : references.get(base);
      if (target == null) {
        return null;
      }
      JsonNode node;
      try {
        node = pointer.isEmpty() ? target.root : target.root.at(pointer);
      } catch (IllegalArgumentException e) {
        return null;
      }
      return node.isMissingNode() ? null : new Located(target, node);
    }

    private static JsonNode parse(String text, String what) {
      JsonNode node;
      try {
        node = MAPPER.readTree(text);
      } catch (JsonProcessingException e) {
        throw new InvalidSchemaException("Cannot parse " + what + ": " + e.getOriginalMessage(), e);
      }
      if (node == null || !node.isObject()) {
        throw new InvalidSchemaException(
            "Cannot use " + what + ": it must be a JSON object, got "
                + (node == null ? "nothing" : node.getNodeType()));
      }
      return node;
    }

    private static String stripFragment(String name) {
      int hash = name.indexOf('#');
      return hash < 0 ? name : name.substring(0, hash);
    }
  }

  /** A subschema with the document its {@code $ref}s resolve in. */
  private record Located(Document doc, JsonNode node) {}

  private static void validate(Document doc, JsonNode schema, String path, Set<JsonNode> seen) {
    if (schema.isBoolean()) {
      return;
    }
    if (!schema.isObject()) {
      throw new InvalidSchemaException(
          "Invalid JSON schema at " + path + ": a schema must be an object or a boolean, got " + schema.getNodeType());
    }
    if (!seen.add(schema)) {
      return;
    }
    JsonNode type = schema.get("type");
    if (type != null) {
      List<JsonNode> names = new ArrayList<>();
      if (type.isArray()) {
        type.forEach(names::add);
      } else {
        names.add(type);
      }
      for (JsonNode name : names) {
        if (!name.isTextual() || !TYPES.contains(name.asText())) {
          throw new InvalidSchemaException(
              "Invalid JSON schema at " + path + "/type: " + name + " is not one of " + new TreeSet<>(TYPES));
        }
      }
    }
    JsonNode ref = schema.get("$ref");
    if (ref != null) {
      if (!ref.isTextual()) {
        throw new InvalidSchemaException("Invalid JSON schema at " + path + "/$ref: it must be a string");
      }
      Located target = doc.resolve(ref.asText());
      if (target == null) {
        throw new InvalidSchemaException(
            "Invalid JSON schema at " + path + "/$ref: '" + ref.asText() + "' resolves to nothing; a reference"
                + " to another schema needs a schema reference of that name");
      }
      validate(target.doc(), target.node(), ref.asText(), seen);
    }
    JsonNode required = schema.get("required");
    if (required != null && required.isArray()) {
      for (JsonNode r : required) {
        if (!r.isTextual()) {
          throw new InvalidSchemaException(
              "Invalid JSON schema at " + path + "/required: it must list property names, got " + r);
        }
      }
    }
    JsonNode enumValues = schema.get("enum");
    if (enumValues != null && !enumValues.isArray()) {
      throw new InvalidSchemaException("Invalid JSON schema at " + path + "/enum: it must be an array");
    }
    for (Map.Entry<String, JsonNode> f : schema.properties()) {
      String key = f.getKey();
      JsonNode value = f.getValue();
      String at = path + "/" + key;
      if (key.equals("properties") || SCHEMA_MAP_KEYWORDS.contains(key)) {
        if (!value.isObject()) {
          throw new InvalidSchemaException("Invalid JSON schema at " + at + ": it must be an object");
        }
        value.properties().forEach(p -> validate(doc, p.getValue(), at + "/" + p.getKey(), seen));
      } else if (SCHEMA_ARRAY_KEYWORDS.contains(key)) {
        if (!value.isArray()) {
          throw new InvalidSchemaException("Invalid JSON schema at " + at + ": it must be an array of schemas");
        }
        for (int i = 0; i < value.size(); i++) {
          validate(doc, value.get(i), at + "/" + i, seen);
        }
      } else if (key.equals("items") && value.isArray()) {
        for (int i = 0; i < value.size(); i++) {
          validate(doc, value.get(i), at + "/" + i, seen);
        }
      } else if (SCHEMA_KEYWORDS.contains(key)) {
        validate(doc, value, at, seen);
      }
    }
  }

  // ---------------------------------------------------------------- canonical form

  private static JsonNode canonicalSchema(JsonNode schema) {
    if (!schema.isObject()) {
      return canonicalValue(schema);
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    TreeMap<String, JsonNode> sorted = new TreeMap<>();
    schema.properties().forEach(f -> sorted.put(f.getKey(), f.getValue()));
    sorted.forEach(
        (key, value) -> {
          if (key.equals("properties") && value.isObject()) {
            ObjectNode properties = JsonNodeFactory.instance.objectNode();
            value.properties().forEach(p -> properties.set(p.getKey(), canonicalSchema(p.getValue())));
            out.set(key, properties);
          } else if (SCHEMA_MAP_KEYWORDS.contains(key) && value.isObject()) {
            ObjectNode map = JsonNodeFactory.instance.objectNode();
            new TreeMap<String, JsonNode>(toMap(value)).forEach((k, v) -> map.set(k, canonicalSchema(v)));
            out.set(key, map);
          } else if ((SCHEMA_ARRAY_KEYWORDS.contains(key) || key.equals("items")) && value.isArray()) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            value.forEach(v -> array.add(canonicalSchema(v)));
            out.set(key, array);
          } else if (SCHEMA_KEYWORDS.contains(key)) {
            out.set(key, canonicalSchema(value));
          } else {
            out.set(key, canonicalValue(value));
          }
        });
    return out;
  }

  /** A JSON value (an {@code enum}, a {@code default}) with the keys of its objects sorted. */
  private static JsonNode canonicalValue(JsonNode value) {
    if (value.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      new TreeMap<String, JsonNode>(toMap(value)).forEach((k, v) -> out.set(k, canonicalValue(v)));
      return out;
    }
    if (value.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      value.forEach(v -> out.add(canonicalValue(v)));
      return out;
    }
    return value;
  }

  private static Map<String, JsonNode> toMap(JsonNode object) {
    Map<String, JsonNode> map = new HashMap<>();
    object.properties().forEach(f -> map.put(f.getKey(), f.getValue()));
    return map;
  }

  // ---------------------------------------------------------------- compatibility

  /** One reader/writer comparison; collects what the reader cannot read. */
  private static final class Comparison {
    final Set<String> problems = new LinkedHashSet<>();
    /** Pairs of (writer, reader) nodes under comparison: a recursive {@code $ref} is compared once. */
    private final Map<JsonNode, Set<JsonNode>> inProgress = new IdentityHashMap<>();

    void compare(Located writer, Located reader, String path) {
      writer = deref(writer);
      reader = deref(reader);
      JsonNode w = writer.node();
      JsonNode r = reader.node();
      if (acceptsAnything(r) || isFalse(w)) {
        return;
      }
      if (isFalse(r)) {
        problems.add("TYPE_NARROWED at " + path + ": the reader accepts no value here, the writer does");
        return;
      }
      Set<JsonNode> readers =
          inProgress.computeIfAbsent(w, k -> Collections.newSetFromMap(new IdentityHashMap<>()));
      if (!readers.add(r)) {
        return;
      }
      try {
        if (alternatives(w) != null || alternatives(r) != null) {
          compareSums(writer, reader, path);
          return;
        }
        compareTypes(w, r, path);
        compareValues(w, r, path);
        compareBounds(w, r, path);
        compareObjects(writer, reader, path);
        compareItems(writer, reader, path);
        compareOthers(w, r, path);
      } finally {
        readers.remove(r);
      }
    }

    private Located deref(Located s) {
      for (int hops = 0; hops < 64 && s.node().isObject() && s.node().has("$ref"); hops++) {
        Located target = s.doc().resolve(s.node().get("$ref").asText());
        if (target == null) {
          throw new InvalidSchemaException("Cannot resolve $ref '" + s.node().get("$ref").asText() + "'");
        }
        s = target;
      }
      return s;
    }

    private void compareTypes(JsonNode w, JsonNode r, String path) {
      Set<String> readerTypes = types(r);
      if (readerTypes == null) {
        return;
      }
      Set<String> writerTypes = types(w);
      if (writerTypes == null) {
        problems.add("TYPE_NARROWED at " + path + ": the writer allows any type, the reader only " + readerTypes);
        return;
      }
      for (String t : writerTypes) {
        boolean read = readerTypes.contains(t) || (t.equals("integer") && readerTypes.contains("number"));
        if (!read) {
          problems.add("TYPE_NARROWED at " + path + ": the writer's type " + t + " is not among the reader's "
              + readerTypes);
        }
      }
    }

    private void compareValues(JsonNode w, JsonNode r, String path) {
      JsonNode readerEnum = r.get("enum");
      if (readerEnum != null) {
        JsonNode writerValues = w.has("enum") ? w.get("enum") : w.has("const") ? arrayOf(w.get("const")) : null;
        if (writerValues == null) {
          problems.add("ENUM_ARRAY_NARROWED at " + path + ": the reader allows only " + readerEnum
              + ", the writer any value");
        } else {
          Set<JsonNode> allowed = new HashSet<>();
          readerEnum.forEach(v -> allowed.add(canonicalValue(v)));
          List<JsonNode> missing = new ArrayList<>();
          writerValues.forEach(v -> {
            if (!allowed.contains(canonicalValue(v))) {
              missing.add(v);
            }
          });
          if (!missing.isEmpty()) {
            problems.add("ENUM_ARRAY_NARROWED at " + path + ": the writer's values " + missing
                + " are not in the reader's enum");
          }
        }
      }
      JsonNode readerConst = r.get("const");
      if (readerConst != null) {
        JsonNode writerConst = w.get("const");
        JsonNode writerEnum = w.get("enum");
        boolean same =
            (writerConst != null && canonicalValue(writerConst).equals(canonicalValue(readerConst)))
                || (writerEnum != null && writerEnum.size() == 1
                    && canonicalValue(writerEnum.get(0)).equals(canonicalValue(readerConst)));
        if (!same) {
          problems.add("CONST_CHANGED at " + path + ": the reader allows only " + readerConst);
        }
      }
    }

    private void compareBounds(JsonNode w, JsonNode r, String path) {
      for (String key : UPPER_BOUNDS) {
        bound(w, r, path, key, true);
      }
      for (String key : LOWER_BOUNDS) {
        bound(w, r, path, key, false);
      }
    }

    private void bound(JsonNode w, JsonNode r, String path, String key, boolean upper) {
      JsonNode readerBound = r.get(key);
      if (readerBound == null || !readerBound.isNumber()) {
        return;
      }
      JsonNode writerBound = w.get(key);
      String name = key.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
      if (writerBound == null || !writerBound.isNumber()) {
        problems.add(name + "_ADDED at " + path + ": the reader sets " + key + " " + readerBound
            + ", the writer none");
        return;
      }
      int cmp = new BigDecimal(writerBound.asText()).compareTo(new BigDecimal(readerBound.asText()));
      if (upper ? cmp > 0 : cmp < 0) {
        problems.add(name + (upper ? "_DECREASED" : "_INCREASED") + " at " + path + ": the reader's " + key + " "
            + readerBound + " is " + (upper ? "below" : "above") + " the writer's " + writerBound);
      }
    }

    private void compareObjects(Located writer, Located reader, String path) {
      JsonNode w = writer.node();
      JsonNode r = reader.node();
      if (!isObjectSchema(r)) {
        return;
      }
      JsonNode writerProps = w.path("properties");
      JsonNode readerProps = r.path("properties");
      JsonNode writerAdditional = w.get("additionalProperties");
      JsonNode readerAdditional = r.get("additionalProperties");
      writerProps.properties().forEach(p -> {
        String at = path + "/properties/" + p.getKey();
        Located ws = new Located(writer.doc(), p.getValue());
        if (readerProps.has(p.getKey())) {
          compare(ws, new Located(reader.doc(), readerProps.get(p.getKey())), at);
        } else if (readerAdditional != null && isFalse(readerAdditional)) {
          if (!isFalse(p.getValue())) {
            problems.add("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL at " + at + ": the writer may write '"
                + p.getKey() + "', the reader lacks it and refuses additional properties");
          }
        } else if (readerAdditional != null && readerAdditional.isObject()) {
          compare(ws, new Located(reader.doc(), readerAdditional), at);
        }
      });
      readerProps.properties().forEach(p -> {
        if (writerProps.has(p.getKey())) {
          return;
        }
        String at = path + "/properties/" + p.getKey();
        if (writerAdditional != null && isFalse(writerAdditional)) {
          return; // the writer never wrote it: the reader sees it absent
        }
        if (writerAdditional != null && writerAdditional.isObject()) {
          compare(new Located(writer.doc(), writerAdditional), new Located(reader.doc(), p.getValue()), at);
        } else if (!acceptsAnything(deref(new Located(reader.doc(), p.getValue())).node())) {
          problems.add("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL at " + at + ": the reader adds '" + p.getKey()
              + "', under which the writer's open content model may have written any value; close the writer's"
              + " model first (additionalProperties: false)");
        }
      });
      Set<String> writerRequired = strings(w.get("required"));
      for (String name : strings(r.get("required"))) {
        if (!writerRequired.contains(name) && !readerProps.path(name).has("default")) {
          problems.add("REQUIRED_ATTRIBUTE_ADDED at " + path + "/required: the reader requires '" + name
              + "', which the writer does not; give it a default or leave it optional");
        }
      }
      if (readerAdditional != null && !readerAdditional.equals(writerAdditional)
          && !(readerAdditional.isBoolean() && readerAdditional.asBoolean())) {
        boolean writerOpen = writerAdditional == null || (writerAdditional.isBoolean() && writerAdditional.asBoolean());
        if (writerOpen) {
          problems.add("ADDITIONAL_PROPERTIES_NARROWED at " + path + "/additionalProperties: the writer allows any"
              + " additional property, the reader " + (isFalse(readerAdditional) ? "none" : "only some"));
        } else if (writerAdditional.isObject()) {
          if (isFalse(readerAdditional)) {
            problems.add("ADDITIONAL_PROPERTIES_NARROWED at " + path + "/additionalProperties: the writer allows"
                + " additional properties, the reader none");
          } else {
            compare(new Located(writer.doc(), writerAdditional), new Located(reader.doc(), readerAdditional),
                path + "/additionalProperties");
          }
        }
      }
    }

    private void compareItems(Located writer, Located reader, String path) {
      JsonNode readerItems = reader.node().get("items");
      if (readerItems == null || readerItems.isArray()) {
        return; // tuple items are compared for equality with the other keywords
      }
      JsonNode writerItems = writer.node().get("items");
      if (writerItems != null && writerItems.isArray()) {
        problems.add("KEYWORD_CHANGED at " + path + "/items: the writer's tuple items became one items schema");
        return;
      }
      compare(
          new Located(writer.doc(), writerItems == null ? JsonNodeFactory.instance.booleanNode(true) : writerItems),
          new Located(reader.doc(), readerItems),
          path + "/items");
    }

    /**
     * Sums ({@code oneOf}/{@code anyOf}) on either side: every writer alternative must be read by some reader
     * alternative. An alternative is taken together with the keywords beside the sum; a side without a sum is
     * its only alternative.
     */
    private void compareSums(Located writer, Located reader, String path) {
      List<Located> writers = alternativesWithSiblings(writer);
      List<Located> readers = alternativesWithSiblings(reader);
      for (int i = 0; i < writers.size(); i++) {
        boolean read = false;
        for (Located r : readers) {
          if (readsWithoutProblems(writers.get(i), r)) {
            read = true;
            break;
          }
        }
        if (!read) {
          problems.add("SUM_TYPE_NARROWED at " + path + ": the writer's "
              + (alternatives(writer.node()) == null ? "schema" : "alternative " + i)
              + " is read by no alternative of the reader");
        }
      }
    }

    private boolean readsWithoutProblems(Located writer, Located reader) {
      Comparison trial = new Comparison();
      trial.inProgress.putAll(inProgress);
      trial.compare(writer, reader, "#");
      return trial.problems.isEmpty();
    }

    private List<Located> alternativesWithSiblings(Located schema) {
      JsonNode alternatives = alternatives(schema.node());
      if (alternatives == null) {
        return List.of(schema);
      }
      ObjectNode siblings = ((ObjectNode) schema.node()).deepCopy();
      siblings.remove(List.of("oneOf", "anyOf"));
      List<Located> out = new ArrayList<>();
      for (JsonNode alternative : alternatives) {
        Located target = deref(new Located(schema.doc(), alternative));
        if (acceptsAnything(siblings)) {
          out.add(target);
        } else if (target.node().isObject()) {
          ObjectNode merged = siblings.deepCopy();
          merged.setAll((ObjectNode) target.node());
          out.add(new Located(target.doc(), merged));
        } else {
          out.add(isFalse(target.node()) ? target : new Located(schema.doc(), siblings));
        }
      }
      return out;
    }

    private void compareOthers(JsonNode w, JsonNode r, String path) {
      r.properties().forEach(f -> {
        String key = f.getKey();
        if (COMPARED.contains(key) || ANNOTATIONS.contains(key)) {
          return;
        }
        JsonNode writerValue = w.get(key);
        if (writerValue == null || !canonicalValue(writerValue).equals(canonicalValue(f.getValue()))) {
          problems.add("KEYWORD_CHANGED at " + path + "/" + key + ": the reader's '" + key + "' differs from the"
              + " writer's; Floe accepts only unchanged or removed '" + key + "'");
        }
      });
    }

    private static JsonNode alternatives(JsonNode schema) {
      if (!schema.isObject()) {
        return null;
      }
      return schema.has("oneOf") ? schema.get("oneOf") : schema.get("anyOf");
    }
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

  private static boolean isFalse(JsonNode schema) {
    return schema.isBoolean() && !schema.asBoolean();
  }

  private static boolean isObjectSchema(JsonNode schema) {
    Set<String> types = types(schema);
    return (types != null && types.contains("object"))
        || schema.has("properties") || schema.has("required") || schema.has("additionalProperties");
  }

  /** The types a schema allows, or null if it does not restrict them. */
  private static Set<String> types(JsonNode schema) {
    JsonNode type = schema.get("type");
    if (type == null) {
      return null;
    }
    Set<String> out = new TreeSet<>();
    if (type.isArray()) {
      type.forEach(t -> out.add(t.asText()));
    } else {
      out.add(type.asText());
    }
    return out;
  }

  private static Set<String> strings(JsonNode array) {
    Set<String> out = new LinkedHashSet<>();
    if (array != null && array.isArray()) {
      array.forEach(v -> out.add(v.asText()));
    }
    return out;
  }

  private static JsonNode arrayOf(JsonNode value) {
    return JsonNodeFactory.instance.arrayNode().add(value);
  }
}
