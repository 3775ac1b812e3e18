package io.floe.schema.internal.jsonschema;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;

/**
 * A JSON schema and the schema documents its references name, parsed, with {@code $ref} lookup
 * across them.
 *
 * <p>A {@code $ref} names a document by the part before {@code #}: the name of a reference as given
 * (Confluent's reference name, e.g. {@code customer.json}), or that name, a document's {@code $id}
 * or an embedded {@code $id} resolved against the referring document's base URI (its {@code $id},
 * else its reference name resolved against the root's {@code $id}), as Confluent's serializer
 * registers them. The fragment is a JSON pointer ({@code #/definitions/X}, {@code #/$defs/X}) or a
 * plain name ({@code $anchor}, or a draft-07 {@code "$id": "#name"}). An embedded {@code $id} does
 * not change the base of the {@code $ref}s inside it.
 */
final class SchemaDocuments {

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Keywords whose values are data, not subschemas: an {@code $id} in them names nothing. */
  private static final Set<String> DATA_KEYWORDS = Set.of("enum", "const", "default", "examples");

  /** A subschema with the document its {@code $ref}s resolve in. */
  record Located(Document doc, JsonNode node) {}

  /** One parsed schema document. */
  static final class Document {
    private final String what;
    private final JsonNode root;
    private final URI base;
    private final Map<String, JsonNode> anchors = new HashMap<>();

    private Document(String what, JsonNode root, URI base) {
      this.what = what;
      this.root = root;
      this.base = base;
    }

    @Override
    public String toString() {
      return what;
    }
  }

  private final Document root;
  private final Map<String, Document> byName = new HashMap<>();
  private final Map<String, Located> byUri = new HashMap<>();

  private SchemaDocuments(Document root) {
    this.root = root;
  }

  /**
   * Parses {@code schema} and the documents in {@code references} (by the name a {@code $ref}
   * uses).
   *
   * @throws IllegalArgumentException if a text is not JSON, or not an object or a boolean
   */
  static SchemaDocuments parse(String schema, Map<String, String> references) {
    Preconditions.checkArgument(schema != null, "Cannot decode JSON schema: schema is null");
    Preconditions.checkArgument(
        references != null, "Cannot decode JSON schema: references are null, pass an empty map");
    JsonNode rootNode = read(schema, "the JSON schema");
    URI rootBase = uri(idOf(rootNode));
    SchemaDocuments documents =
        new SchemaDocuments(new Document("the JSON schema", rootNode, rootBase));
    documents.index(documents.root);
    for (Map.Entry<String, String> ref : references.entrySet()) {
      String name = stripFragment(ref.getKey());
      String what = "the JSON schema referenced as '" + ref.getKey() + "'";
      JsonNode node = read(ref.getValue(), what);
      URI nameUri = rootBase == null ? uri(name) : resolve(rootBase, name);
      URI id = uri(idOf(node));
      URI base = id == null ? nameUri : nameUri == null ? id : nameUri.resolve(id);
      Document doc = new Document(what, node, base);
      documents.byName.putIfAbsent(name, doc);
      if (nameUri != null) {
        documents.byUri.putIfAbsent(nameUri.toString(), new Located(doc, node));
      }
      documents.index(doc);
    }
    return documents;
  }

  Located root() {
    return new Located(root, root.root);
  }

  /**
   * The subschema {@code ref} names, from a subschema of {@code from}.
   *
   * @throws IllegalArgumentException if it names nothing
   */
  Located resolve(Document from, String ref, String where) {
    int hash = ref.indexOf('#');
    String base = hash < 0 ? ref : ref.substring(0, hash);
    String fragment = hash < 0 ? "" : ref.substring(hash + 1);
    Located target;
    if (base.isEmpty()) {
      target = new Located(from, from.root);
    } else {
      Document named = byName.get(base);
      target = named != null ? new Located(named, named.root) : null;
      if (target == null && from.base != null) {
        URI resolved = resolve(from.base, base);
        target = resolved == null ? null : byUri.get(resolved.toString());
      }
      if (target == null) {
        target = byUri.get(base);
      }
    }
    Preconditions.checkArgument(
        target != null,
        "Cannot decode JSON schema at %s: $ref '%s' names no schema; a reference to another"
            + " schema needs a schema reference of that name",
        where,
        ref);
    if (fragment.isEmpty()) {
      return target;
    }
    JsonNode node;
    if (fragment.startsWith("/")) {
      node = pointer(target.node(), decodePercent(fragment));
    } else {
      node = target.doc().anchors.get(fragment);
    }
    Preconditions.checkArgument(
        node != null && !node.isMissingNode(),
        "Cannot decode JSON schema at %s: $ref '%s' names nothing in %s",
        where,
        ref,
        target.doc());
    return new Located(target.doc(), node);
  }

  /** Records the embedded {@code $id}s and anchors of {@code doc}. */
  private void index(Document doc) {
    if (doc.base != null) {
      byUri.putIfAbsent(withoutFragment(doc.base), new Located(doc, doc.root));
    }
    String rootId = idOf(doc.root);
    if (rootId != null) {
      byUri.putIfAbsent(stripFragment(rootId), new Located(doc, doc.root));
    }
    indexChildren(doc, doc.root);
  }

  private void indexChildren(Document doc, JsonNode node) {
    if (node.isObject()) {
      if (node != doc.root) {
        JsonNode id = node.get("$id");
        if (id != null && id.isTextual()) {
          String text = id.asText();
          if (text.startsWith("#")) {
            doc.anchors.putIfAbsent(text.substring(1), node);
          } else {
            URI resolved = doc.base == null ? uri(text) : resolve(doc.base, text);
            byUri.putIfAbsent(
                resolved == null ? text : withoutFragment(resolved), new Located(doc, node));
          }
        }
      }
      JsonNode anchor = node.get("$anchor");
      if (anchor != null && anchor.isTextual()) {
        doc.anchors.putIfAbsent(anchor.asText(), node);
      }
      node.properties()
          .forEach(
              field -> {
                if (!DATA_KEYWORDS.contains(field.getKey())) {
                  indexChildren(doc, field.getValue());
                }
              });
    } else if (node.isArray()) {
      node.forEach(child -> indexChildren(doc, child));
    }
  }

  private static JsonNode read(String text, String what) {
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Cannot parse " + what + ": " + e.getOriginalMessage(), e);
    }
    Preconditions.checkArgument(
        node != null && (node.isObject() || node.isBoolean()),
        "Cannot decode %s: a schema is a JSON object or a boolean, got %s",
        what,
        node == null ? "nothing" : node.getNodeType());
    return node;
  }

  /** The document's own {@code $id} (or draft-04 {@code id}). */
  private static String idOf(JsonNode root) {
    if (!root.isObject()) {
      return null;
    }
    JsonNode id = root.has("$id") ? root.get("$id") : root.get("id");
    return id != null && id.isTextual() ? id.asText() : null;
  }

  private static JsonNode pointer(JsonNode node, String pointer) {
    try {
      return node.at(JsonPointer.compile(pointer));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A URI fragment's percent escapes decoded; left as is if it is not a valid fragment. */
  private static String decodePercent(String fragment) {
    if (fragment.indexOf('%') < 0) {
      return fragment;
    }
    try {
      return new URI("#" + fragment).getFragment();
    } catch (URISyntaxException e) {
      return fragment;
    }
  }

  private static URI uri(String text) {
    if (text == null) {
      return null;
    }
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private static URI resolve(URI base, String relative) {
    URI uri = uri(relative);
    if (uri == null) {
      return null;
    }
    try {
      return base.resolve(uri);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String withoutFragment(URI uri) {
    return stripFragment(uri.toString());
  }

  private static String stripFragment(String name) {
    int hash = name.indexOf('#');
    return hash < 0 ? name : name.substring(0, hash);
  }
}
