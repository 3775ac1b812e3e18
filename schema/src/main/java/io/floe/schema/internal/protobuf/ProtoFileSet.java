package io.floe.schema.internal.protobuf;

import com.squareup.wire.schema.CoreLoader;
import com.squareup.wire.schema.ErrorCollector;
import com.squareup.wire.schema.Linker;
import com.squareup.wire.schema.Loader;
import com.squareup.wire.schema.Location;
import com.squareup.wire.schema.MessageType;
import com.squareup.wire.schema.ProtoFile;
import com.squareup.wire.schema.Schema;
import com.squareup.wire.schema.Type;
import com.squareup.wire.schema.internal.parser.ProtoFileElement;
import com.squareup.wire.schema.internal.parser.ProtoParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;

/**
 * A set of .proto files parsed and linked in the JVM by Wire's schema library (never {@code
 * protoc}): every type resolved, every import found, proto2 and proto3 alike.
 *
 * <p>Files are named by their import path ({@code shop/v1/order.proto}); an import resolves to the
 * given file of that path. The well-known types Wire bundles resolve without being given: {@code
 * google/protobuf/} {@code any.proto}, {@code descriptor.proto}, {@code duration.proto}, {@code
 * empty.proto}, {@code field_mask.proto}, {@code struct.proto}, {@code timestamp.proto} and {@code
 * wrappers.proto} (not {@code type.proto}, {@code api.proto} or {@code source_context.proto}: those
 * must be given). The bundled copy wins over a given text of the same path, so a {@code
 * google.protobuf.Timestamp} is always the type the decoder maps to a timestamp. Editions ({@code
 * edition = "2023"}) and proto2 groups are refused by the parser; package cycles are accepted, as
 * {@code protoc} accepts them.
 *
 * <p>Immutable and thread-safe once created.
 */
public final class ProtoFileSet {

  private static final Set<String> BUILT_IN =
      Set.of(
          "google/protobuf/any.proto",
          "google/protobuf/descriptor.proto",
          "google/protobuf/duration.proto",
          "google/protobuf/empty.proto",
          "google/protobuf/field_mask.proto",
          "google/protobuf/struct.proto",
          "google/protobuf/timestamp.proto",
          "google/protobuf/wrappers.proto",
          "wire/extensions.proto");

  private final Schema schema;
  private final Map<String, ProtoFile> files;

  private ProtoFileSet(Schema schema, Map<String, ProtoFile> files) {
    this.schema = schema;
    this.files = Collections.unmodifiableMap(files);
  }

  /**
   * Parses and links {@code files}.
   *
   * @param files .proto texts by import path
   * @throws IllegalArgumentException naming the file and line of a syntax error, a missing import,
   *     an unknown type or another invalid definition
   */
  public static ProtoFileSet parse(Map<String, String> files) {
    Preconditions.checkArgument(
        files != null && !files.isEmpty(), "Cannot parse .proto files: no files given");
    for (Map.Entry<String, String> entry : files.entrySet()) {
      Preconditions.checkArgument(
          entry.getKey() != null && !entry.getKey().isEmpty(),
          "Cannot parse .proto files: a file has no path");
      Preconditions.checkArgument(
          entry.getValue() != null, "Cannot parse .proto files: %s has no text", entry.getKey());
    }
    Map<String, ProtoFileElement> elements = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : new TreeMap<>(files).entrySet()) {
      String path = entry.getKey();
      if (BUILT_IN.contains(path)) {
        continue;
      }
      try {
        elements.put(path, ProtoParser.Companion.parse(Location.get("", path), entry.getValue()));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("Cannot parse .proto files: " + e.getMessage(), e);
      }
    }
    for (Map.Entry<String, ProtoFileElement> entry : elements.entrySet()) {
      checkImports(entry.getKey(), entry.getValue(), files.get(entry.getKey()), elements);
    }
    return link(elements);
  }

  /**
   * Parses and links every {@code *.proto} file under {@code directory}, each named by its path
   * relative to the directory with {@code /} separators (so {@code import "shop/v1/common.proto"}
   * finds {@code <directory>/shop/v1/common.proto}).
   *
   * @throws IllegalArgumentException if the directory does not exist, holds no .proto file, or the
   *     files are invalid (see {@link #parse})
   * @throws UncheckedIOException if a file cannot be read
   */
  public static ProtoFileSet load(Path directory) {
    Preconditions.checkArgument(
        directory != null && Files.isDirectory(directory),
        "Cannot load .proto files: %s is not a directory",
        directory);
    Map<String, String> texts = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path file : (Iterable<Path>) paths::iterator) {
        if (Files.isRegularFile(file) && file.getFileName().toString().endsWith(".proto")) {
          String path =
              directory
                  .relativize(file)
                  .toString()
                  .replace(file.getFileSystem().getSeparator(), "/");
          texts.put(path, Files.readString(file, StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot load .proto files from " + directory, e);
    }
    Preconditions.checkArgument(
        !texts.isEmpty(), "Cannot load .proto files: %s holds no .proto file", directory);
    return parse(texts);
  }

  /** The linked schema: the given files, the well-known types and everything they import. */
  public Schema schema() {
    return schema;
  }

  /** The given files (without the bundled well-known types), by import path. */
  public Map<String, ProtoFile> files() {
    return files;
  }

  /**
   * The given file of {@code path}.
   *
   * @throws IllegalArgumentException if no file of that path was given
   */
  public ProtoFile file(String path) {
    ProtoFile file = files.get(path);
    Preconditions.checkArgument(
        file != null, "Cannot find .proto file %s: the given files are %s", path, files.keySet());
    return file;
  }

  /**
   * The message type of {@code fullName} ({@code shop.v1.Order}, {@code shop.v1.Order.Item}).
   *
   * @throws IllegalArgumentException if there is no such message type
   */
  public MessageType message(String fullName) {
    Preconditions.checkArgument(fullName != null, "Cannot find a message type: name is null");
    Type type = schema.getType(fullName);
    Preconditions.checkArgument(
        type instanceof MessageType,
        "Cannot find message type %s: %s",
        fullName,
        type == null ? "no file declares it" : "it is an enum");
    return (MessageType) type;
  }

  /** The full names of the message types declared in the given files, nested ones included. */
  public List<String> messageNames() {
    List<String> names = new ArrayList<>();
    for (ProtoFile file : files.values()) {
      for (Type type : file.typesAndNestedTypes()) {
        if (type instanceof MessageType) {
          names.add(type.getType().toString());
        }
      }
    }
    return names;
  }

  private static void checkImports(
      String path, ProtoFileElement element, String text, Map<String, ProtoFileElement> given) {
    List<String> imports = new ArrayList<>(element.getImports());
    imports.addAll(element.getPublicImports());
    imports.addAll(element.getWeakImports());
    for (String imported : imports) {
      if (!given.containsKey(imported) && !BUILT_IN.contains(imported)) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot parse .proto files: %s:%d imports %s, which is neither given nor a"
                    + " well-known type",
                path, importLine(text, imported), imported));
      }
    }
  }

  /**
   * The 1-based line of the import of {@code imported}; the parser keeps no location for imports.
   */
  private static int importLine(String text, String imported) {
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains("import") && lines[i].contains("\"" + imported + "\"")) {
        return i + 1;
      }
    }
    return 1;
  }

  private static ProtoFileSet link(Map<String, ProtoFileElement> elements) {
    ErrorCollector errors = new ErrorCollector();
    Loader loader = new GivenFilesLoader(elements, errors);
    try {
      List<ProtoFile> sources = new ArrayList<>();
      for (String path : elements.keySet()) {
        sources.add(loader.load(path));
      }
      // Package cycles are legal for protoc (only Go refuses them). loadExhaustively links every
      // type, also those of imported files no given type uses yet: without it Wire leaves fields
      // of unreferenced imported messages unlinked.
      Schema schema = new Linker(loader, errors, true, true).link(sources);
      errors.throwIfNonEmpty();
      Map<String, ProtoFile> files = new LinkedHashMap<>();
      for (String path : elements.keySet()) {
        files.put(path, schema.protoFile(path));
      }
      return new ProtoFileSet(schema, files);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Cannot link .proto files: " + e.getMessage(), e);
    }
  }

  /** Loads given files from memory and the bundled well-known types from Wire's resources. */
  private static final class GivenFilesLoader implements Loader {
    private final Map<String, ProtoFileElement> elements;
    private final ErrorCollector errors;

    GivenFilesLoader(Map<String, ProtoFileElement> elements, ErrorCollector errors) {
      this.elements = elements;
      this.errors = errors;
    }

    @Override
    public ProtoFile load(String path) {
      if (BUILT_IN.contains(path)) {
        return CoreLoader.INSTANCE.load(path);
      }
      ProtoFileElement element = elements.get(path);
      if (element == null) {
        errors.plusAssign("unable to find " + path);
        return ProtoFile.Companion.get(ProtoFileElement.empty(path));
      }
      return ProtoFile.Companion.get(element);
    }

    @Override
    public Loader withErrors(ErrorCollector collector) {
      return new GivenFilesLoader(elements, collector);
    }
  }
}
