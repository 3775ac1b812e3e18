package io.floe.tabletopic.config;

import io.floe.schema.ConverterConfig;
import io.floe.schema.ValueConverters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A topic's Table Topic settings, with AutoMQ's config names and defaults ({@code automq.table.topic.*}).
 * Built from the topic's explicit configs by {@link #parse}, which validates every value and throws
 * {@link IllegalArgumentException} naming the key, the value and what is allowed.
 */
public record TableTopicConfig(
    boolean enabled,
    long commitIntervalMs,
    String namespace,
    String convertValueType,
    String convertKeyType,
    String transformValueType,
    List<String> partitionBy,
    String errorsTolerance,
    boolean expireSnapshotEnabled,
    int expireSnapshotOlderThanHours,
    int expireSnapshotRetainLast,
    boolean retentionWaitsForTable,
    String deadLetterTopic,
    String idColumnsValue,
    long keyIndexMaxBytes,
    int formatVersion,
    boolean upsertEnabled,
    String cdcField,
    Maintenance maintenance,
    Map<String, String> converterConfigs) {

  public static final String PREFIX = "automq.table.topic.";
  public static final String ENABLE = PREFIX + "enable";
  public static final String COMMIT_INTERVAL_MS = PREFIX + "commit.interval.ms";
  public static final String NAMESPACE = PREFIX + "namespace";
  public static final String CONVERT_VALUE_TYPE = PREFIX + "convert.value.type";
  public static final String CONVERT_KEY_TYPE = PREFIX + "convert.key.type";
  public static final String TRANSFORM_VALUE_TYPE = PREFIX + "transform.value.type";
  public static final String PARTITION_BY = PREFIX + "partition.by";
  public static final String ERRORS_TOLERANCE = PREFIX + "errors.tolerance";
  /** AutoMQ's: the columns identifying a row of an upsert (CDC) table. */
  public static final String ID_COLUMNS = PREFIX + "id.columns";
  /** Floe's own: the Iceberg format version of tables it creates (3: deletes are deletion vectors). */
  public static final String FORMAT_VERSION = PREFIX + "format.version";
  /** AutoMQ's: rows are upserts by id.columns instead of appends. */
  public static final String UPSERT_ENABLE = PREFIX + "upsert.enable";
  /** AutoMQ's: the field holding I, U or D for each row of other CDC producers than Debezium. */
  public static final String CDC_FIELD = PREFIX + "cdc.field";
  /** Floe's own: the memory the key index of an upsert table may take before it falls back to equality deletes. */
  public static final String KEY_INDEX_MAX_BYTES = PREFIX + "key.index.max.bytes";
  /** Floe's own, after Kafka Connect's errors.deadletterqueue.topic.name: where skipped records go. */
  public static final String ERRORS_DEAD_LETTER_TOPIC = PREFIX + "errors.deadletterqueue.topic.name";
  public static final String EXPIRE_SNAPSHOT_ENABLED = PREFIX + "expire.snapshot.enabled";
  public static final String EXPIRE_SNAPSHOT_OLDER_THAN_HOURS = PREFIX + "expire.snapshot.older.than.hours";
  public static final String EXPIRE_SNAPSHOT_RETAIN_LAST = PREFIX + "expire.snapshot.retain.last";
  public static final String VALUE_SUBJECT = ConverterConfig.VALUE_SUBJECT;
  public static final String VALUE_MESSAGE = ConverterConfig.VALUE_MESSAGE;
  public static final String VALUE_PROTOBUF_PATH = ConverterConfig.VALUE_PROTOBUF_PATH;
  public static final String VALUE_PROTOBUF_MESSAGE = ConverterConfig.VALUE_PROTOBUF_MESSAGE;
  /** Floe's own: whether log retention waits until the table has committed the records it would delete. */
  public static final String RETENTION_WAITS_FOR_TABLE = PREFIX + "retention.wait.for.table";

  /** Floe's own: table maintenance (rewrites with deletes applied, small-file compaction, orphan removal). */
  public static final String MAINTENANCE_ENABLE = PREFIX + "maintenance.enable";
  public static final String MAINTENANCE_INTERVAL_MS = PREFIX + "maintenance.interval.ms";
  public static final String MAINTENANCE_MAX_REWRITE_BYTES = PREFIX + "maintenance.max.rewrite.bytes";
  public static final String REWRITE_DELETE_FILE_THRESHOLD = PREFIX + "rewrite.delete.file.threshold";
  public static final String COMPACTION_MIN_INPUT_FILES = PREFIX + "compaction.min.input.files";
  public static final String COMPACTION_SMALL_FILE_BYTES = PREFIX + "compaction.small.file.bytes";
  public static final String ORPHAN_FILES_OLDER_THAN_MS = PREFIX + "orphan.files.older.than.ms";

  /** The thresholds of a table's background maintenance. */
  public record Maintenance(boolean enabled, long intervalMs, long maxRewriteBytes, int deleteFileThreshold,
      int minInputFiles, long smallFileBytes, long orphanFilesOlderThanMs) {}

  public static final long MIN_COMMIT_INTERVAL_MS = 1000;
  public static final long MAX_COMMIT_INTERVAL_MS = 900_000;

  /** One topic config key: its default, its validator (returns an error or null) and its documentation. */
  public record Key(String name, String defaultValue, Function<String, String> validator, String documentation) {}

  private static final Pattern TRANSFORM = Pattern.compile(
      "^(identity|bucket|truncate|year|month|day|hour|years|months|days|hours)\\s*\\(\\s*([^,()\\s]+)\\s*(?:,\\s*(\\d+)\\s*)?\\)$");

  /** Every key with AutoMQ's default, in the order DescribeConfigs lists them. */
  public static final List<Key> KEYS = List.of(
      new Key(ENABLE, "false", TableTopicConfig::bool, "Turns the topic into an Iceberg table named after the topic."),
      new Key(COMMIT_INTERVAL_MS, "60000", v -> longIn(v, MIN_COMMIT_INTERVAL_MS, MAX_COMMIT_INTERVAL_MS),
          "How often the table gets a snapshot with the records written since the last one."),
      new Key(NAMESPACE, "default", v -> v.isBlank() ? "must not be empty" : null,
          "The Iceberg namespace the table is created in."),
      new Key(CONVERT_VALUE_TYPE, "raw",
          v -> oneOf(v, Set.of("raw", "string", "json", "by_schema_id", "by_latest_schema", "protobuf")),
          "How record values are read: raw (bytes), string (UTF-8), json (schema inferred from the records),"
              + " by_schema_id (Avro or Protobuf in the Confluent wire format, schema by id from the registry),"
              + " by_latest_schema (bare Avro or Protobuf, the latest schema of a registry subject) or protobuf"
              + " (bare Protobuf read with .proto files the broker reads, no registry)."),
      new Key(CONVERT_KEY_TYPE, "string",
          v -> oneOf(v, Set.of("raw", "string", "json", "by_schema_id", "by_latest_schema", "protobuf")),
          "How record keys are read into _kafka_key: raw (bytes), string (UTF-8), or as values are (json,"
              + " by_schema_id, by_latest_schema with subject <topic>-key, protobuf), into a typed column."),
      new Key(ConverterConfig.KEY_SUBJECT, "", v -> null,
          "The registry subject by_latest_schema reads keys with; empty: <topic>-key."),
      new Key(ConverterConfig.KEY_MESSAGE, "", v -> null,
          "The Protobuf message by_latest_schema reads keys as; empty: the schema's first."),
      new Key(ConverterConfig.KEY_PROTOBUF_PATH, "", v -> null,
          "The directory of .proto files the protobuf type reads keys with."),
      new Key(ConverterConfig.KEY_PROTOBUF_MESSAGE, "", v -> null,
          "The Protobuf message the protobuf type reads keys as."),
      new Key(VALUE_SUBJECT, "", v -> null,
          "The registry subject by_latest_schema reads values with; empty: <topic>-value."),
      new Key(VALUE_MESSAGE, "", v -> null,
          "The Protobuf message by_latest_schema reads values as, e.g. shop.v1.Order; empty: the schema's first."),
      new Key(VALUE_PROTOBUF_PATH, "", v -> null,
          "The directory of .proto files the protobuf type reads values with (imports resolve in it;"
              + " google/protobuf well-known types need not be there)."),
      new Key(VALUE_PROTOBUF_MESSAGE, "", v -> null,
          "The Protobuf message the protobuf type reads values as, e.g. shop.v1.Order."),
      new Key(TRANSFORM_VALUE_TYPE, "none", v -> oneOf(v, Set.of("none", "flatten", "flatten_debezium")),
          "none: the value is one column named value; flatten: its top-level fields become columns;"
              + " flatten_debezium: values are Debezium change events (JSON, Avro or Protobuf), and the table holds the source"
              + " table's rows: inserts and updates upsert by id.columns, deletes delete."),
      new Key(ID_COLUMNS, "", TableTopicConfig::idColumnsError,
          "The columns that identify a row for flatten_debezium, upsert.enable and cdc.field, e.g. [id] or"
              + " [region, name]; empty: the fields of the Debezium record key."),
      new Key(UPSERT_ENABLE, "false", TableTopicConfig::bool,
          "true: each row replaces the row with the same id.columns values (needs id.columns and"
              + " transform.value.type=flatten); false: rows are appended."),
      new Key(CDC_FIELD, "", v -> v.isBlank() || v.matches("[^\\s(),\\[\\]]+") ? null : "must be a column name",
          "A top-level field of each value holding I (insert), U (update) or D (delete): the row is upserted or"
              + " deleted by id.columns (needs id.columns and transform.value.type=flatten)."),
      new Key(FORMAT_VERSION, "2", v -> oneOf(v, Set.of("2", "3")),
          "The Iceberg format version of the table when Floe creates it: 2 (position deletes, read by every"
              + " engine) or 3 (deletion vectors, one small bitmap per data file; needs readers of Iceberg 1.8 or"
              + " later). A table upgraded to 3 by other means gets deletion vectors too."),
      new Key(MAINTENANCE_ENABLE, "true", TableTopicConfig::bool,
          "Maintain the table in the background, between commits: rewrite data files with their deletes applied,"
              + " merge small files, delete the files of failed commits."),
      new Key(MAINTENANCE_INTERVAL_MS, "300000", v -> longIn(v, 1000, Long.MAX_VALUE),
          "How often maintenance looks for work (after a commit)."),
      new Key(MAINTENANCE_MAX_REWRITE_BYTES, String.valueOf(1L << 30), v -> longIn(v, 1L << 20, Long.MAX_VALUE),
          "The most data one maintenance run rewrites; a partition larger than this is left as it is (logged)."),
      new Key(REWRITE_DELETE_FILE_THRESHOLD, "8", v -> longIn(v, 1, Integer.MAX_VALUE),
          "A partition with this many delete files is rewritten whole with its deletes applied."),
      new Key(COMPACTION_MIN_INPUT_FILES, "10", v -> longIn(v, 2, Integer.MAX_VALUE),
          "A partition with this many small data files has them merged."),
      new Key(COMPACTION_SMALL_FILE_BYTES, String.valueOf(64L << 20), v -> longIn(v, 1, Long.MAX_VALUE),
          "Data files smaller than this are small."),
      new Key(ORPHAN_FILES_OLDER_THAN_MS, "86400000", v -> longIn(v, 60_000, Long.MAX_VALUE),
          "Files under the table's data directory that no snapshot references are deleted once this old."),
      new Key(KEY_INDEX_MAX_BYTES, String.valueOf(128L << 20), v -> longIn(v, 1L << 20, Long.MAX_VALUE),
          "The memory the key index of an upsert table may take (estimated). The index finds the data file and"
              + " row of each key, so updates and deletes are written as position deletes; keys beyond it are"
              + " removed with equality deletes, which every reader pays for (counted in"
              + " floe_table_topic_equality_deletes_total)."),
      new Key(PARTITION_BY, "[]", TableTopicConfig::partitionByError,
          "Iceberg partition transforms, e.g. [bucket(id, 16), day(ts)]: identity, bucket, truncate, year, month, day, hour."),
      new Key(ERRORS_TOLERANCE, "invalid_data", v -> oneOf(v, Set.of("none", "invalid_data", "all")),
          "none: the table stops at a record that cannot be converted; invalid_data: such records are skipped"
              + " (logged and counted); all: any per-record error is skipped."),
      new Key(ERRORS_DEAD_LETTER_TOPIC, "", TableTopicConfig::topicNameError,
          "A topic that receives every record errors.tolerance leaves out of the table, with its key, value and"
              + " headers plus __floe.errors.* headers (source topic, partition, offset, reason, message); the"
              + " table's offsets move past such a record only once it is there. Empty: records are dropped"
              + " with a log line."),
      new Key(EXPIRE_SNAPSHOT_ENABLED, "true", TableTopicConfig::bool, "Expire old snapshots after commits."),
      new Key(EXPIRE_SNAPSHOT_OLDER_THAN_HOURS, "1", v -> longIn(v, 1, Integer.MAX_VALUE),
          "Snapshots older than this many hours are expired."),
      new Key(EXPIRE_SNAPSHOT_RETAIN_LAST, "1", v -> longIn(v, 1, Integer.MAX_VALUE),
          "At least this many recent snapshots are kept."),
      new Key(RETENTION_WAITS_FOR_TABLE, "true", TableTopicConfig::bool,
          "true: retention.ms/retention.bytes never delete records the table has not committed yet. false: they"
              + " may; the skipped offsets are logged, counted and recorded in the snapshot summary."));

  /** Validates and parses the topic's explicit configs; keys outside {@link #PREFIX} are ignored. */
  public static TableTopicConfig parse(Map<String, String> topicConfigs) {
    validate(topicConfigs);
    Function<String, String> get = key -> {
      String v = topicConfigs.get(key);
      return (v != null ? v : defaultOf(key)).trim();
    };
    return new TableTopicConfig(
        Boolean.parseBoolean(get.apply(ENABLE)),
        Long.parseLong(get.apply(COMMIT_INTERVAL_MS)),
        get.apply(NAMESPACE),
        get.apply(CONVERT_VALUE_TYPE),
        get.apply(CONVERT_KEY_TYPE),
        get.apply(TRANSFORM_VALUE_TYPE),
        parsePartitionBy(get.apply(PARTITION_BY)),
        get.apply(ERRORS_TOLERANCE),
        Boolean.parseBoolean(get.apply(EXPIRE_SNAPSHOT_ENABLED)),
        Integer.parseInt(get.apply(EXPIRE_SNAPSHOT_OLDER_THAN_HOURS)),
        Integer.parseInt(get.apply(EXPIRE_SNAPSHOT_RETAIN_LAST)),
        Boolean.parseBoolean(get.apply(RETENTION_WAITS_FOR_TABLE)),
        get.apply(ERRORS_DEAD_LETTER_TOPIC),
        get.apply(ID_COLUMNS),
        Long.parseLong(get.apply(KEY_INDEX_MAX_BYTES)),
        Integer.parseInt(get.apply(FORMAT_VERSION)),
        Boolean.parseBoolean(get.apply(UPSERT_ENABLE)),
        get.apply(CDC_FIELD),
        new Maintenance(
            Boolean.parseBoolean(get.apply(MAINTENANCE_ENABLE)),
            Long.parseLong(get.apply(MAINTENANCE_INTERVAL_MS)),
            Long.parseLong(get.apply(MAINTENANCE_MAX_REWRITE_BYTES)),
            Integer.parseInt(get.apply(REWRITE_DELETE_FILE_THRESHOLD)),
            Integer.parseInt(get.apply(COMPACTION_MIN_INPUT_FILES)),
            Long.parseLong(get.apply(COMPACTION_SMALL_FILE_BYTES)),
            Long.parseLong(get.apply(ORPHAN_FILES_OLDER_THAN_MS))),
        converterConfigs(topicConfigs));
  }

  /** The explicit {@code convert.*} and {@code transform.*} configs, for the schema module's converters. */
  private static Map<String, String> converterConfigs(Map<String, String> topicConfigs) {
    Map<String, String> out = new TreeMap<>();
    topicConfigs.forEach((k, v) -> {
      if (v != null && (k.startsWith(PREFIX + "convert.") || k.startsWith(PREFIX + "transform."))) {
        out.put(k, v);
      }
    });
    return Map.copyOf(out);
  }

  /**
   * Throws IllegalArgumentException for the first unknown {@code automq.table.topic.*} key, bad value, or
   * combination that cannot work.
   */
  public static void validate(Map<String, String> topicConfigs) {
    validateKeys(topicConfigs);
    String transform = topicConfigs.getOrDefault(TRANSFORM_VALUE_TYPE, defaultOf(TRANSFORM_VALUE_TYPE)).trim();
    String convert = topicConfigs.getOrDefault(CONVERT_VALUE_TYPE, defaultOf(CONVERT_VALUE_TYPE)).trim();
    if ("flatten".equals(transform) && (convert.equals("raw") || convert.equals("string"))) {
      throw new IllegalArgumentException("Invalid value flatten for configuration " + TRANSFORM_VALUE_TYPE
          + ": flattening needs structured values, but " + CONVERT_VALUE_TYPE + " is " + convert
          + "; set it to json, by_schema_id, by_latest_schema or protobuf (or keep " + TRANSFORM_VALUE_TYPE
          + "=none)");
    }
    boolean upsert = Boolean.parseBoolean(topicConfigs.getOrDefault(UPSERT_ENABLE, "false").trim());
    String cdcField = topicConfigs.getOrDefault(CDC_FIELD, "").trim();
    if ((upsert || !cdcField.isEmpty()) && !"flatten_debezium".equals(transform)) {
      String key = upsert ? UPSERT_ENABLE : CDC_FIELD;
      if (!"flatten".equals(transform)) {
        throw new IllegalArgumentException("Invalid value for configuration " + key + ": upserts need the value's"
            + " fields as columns; set " + TRANSFORM_VALUE_TYPE + "=flatten");
      }
      checkPartitionedByIds(topicConfigs, key);
    }
    if ("flatten_debezium".equals(transform)) {
      if (convert.equals("raw") || convert.equals("string")) {
        throw new IllegalArgumentException("Invalid value flatten_debezium for configuration " + TRANSFORM_VALUE_TYPE
            + ": Debezium change events are read as JSON (JsonConverter, with or without schemas) or by their"
            + " schema (Avro or Protobuf converters), but " + CONVERT_VALUE_TYPE + " is " + convert + "; set it to"
            + " json, by_schema_id, by_latest_schema or protobuf");
      }
      checkPartitionedByIds(topicConfigs, TRANSFORM_VALUE_TYPE);
      if (!"json".equals(convert)) {
        ValueConverters.validate(envelopeConverterConfigs(topicConfigs));
      }
      return;
    }
    // the converters' own checks (a protobuf type without its files, ...)
    ValueConverters.validate(topicConfigs);
  }

  /**
   * The converter configs that decode a Debezium envelope (Avro or Protobuf) as one whole value: the
   * {@code flatten_debezium} transform is the cdc module's, not the converter's.
   */
  public static Map<String, String> envelopeConverterConfigs(Map<String, String> configs) {
    Map<String, String> out = new TreeMap<>(configs);
    out.put(TRANSFORM_VALUE_TYPE, "none");
    return out;
  }

  /** Upsert tables need identifier columns (unless Debezium's key names them) and are partitioned by them only. */
  private static void checkPartitionedByIds(Map<String, String> topicConfigs, String why) {
    List<String> ids = parsePartitionBy(topicConfigs.getOrDefault(ID_COLUMNS, ""));
    if (ids.isEmpty() && !why.equals(TRANSFORM_VALUE_TYPE)) {
      throw new IllegalArgumentException("Invalid value for configuration " + why + ": upserts need the columns"
          + " that identify a row; set " + ID_COLUMNS + ", e.g. [id]");
    }
    for (String field : parsePartitionBy(topicConfigs.getOrDefault(PARTITION_BY, "[]"))) {
      Matcher m = TRANSFORM.matcher(field);
      String column = m.matches() ? m.group(2) : field;
      if (ids.stream().noneMatch(column::equalsIgnoreCase)) {
        throw new IllegalArgumentException("Invalid value for configuration " + PARTITION_BY + ": an upsert"
            + " table is partitioned by identifier columns only (so a row never moves to another partition),"
            + " but " + column + " is not in " + ID_COLUMNS + " " + ids);
      }
    }
  }

  private static void validateKeys(Map<String, String> topicConfigs) {
    for (Map.Entry<String, String> e : topicConfigs.entrySet()) {
      if (!e.getKey().startsWith(PREFIX) || e.getValue() == null) {
        continue;
      }
      Key key = key(e.getKey());
      if (key == null) {
        throw new IllegalArgumentException("Unknown table topic config " + e.getKey() + "; known: "
            + KEYS.stream().map(Key::name).toList());
      }
      String error = key.validator().apply(e.getValue().trim());
      if (error != null) {
        throw new IllegalArgumentException("Invalid value " + e.getValue() + " for configuration " + e.getKey() + ": " + error);
      }
    }
  }

  public static Key key(String name) {
    for (Key k : KEYS) {
      if (k.name().equals(name)) {
        return k;
      }
    }
    return null;
  }

  public static String defaultOf(String name) {
    Key k = key(name);
    if (k == null) {
      throw new IllegalArgumentException("Unknown table topic config " + name);
    }
    return k.defaultValue();
  }

  /** A partition transform from {@code partition.by}: e.g. bucket(id, 16) is ("bucket", "id", 16). */
  public record PartitionTransform(String transform, String column, int argument) {}

  public List<PartitionTransform> partitionTransforms() {
    List<PartitionTransform> out = new ArrayList<>();
    for (String t : partitionBy) {
      Matcher m = TRANSFORM.matcher(t.contains("(") ? t.trim() : "identity(" + t.trim() + ")");
      if (!m.matches()) {
        throw new IllegalStateException("Unparsable partition transform " + t);
      }
      String name = m.group(1).replaceAll("s$", "");
      out.add(new PartitionTransform(name, m.group(2), m.group(3) == null ? 0 : Integer.parseInt(m.group(3))));
    }
    return out;
  }

  static List<String> parsePartitionBy(String value) {
    String v = value.trim();
    if (v.startsWith("[") && v.endsWith("]")) {
      v = v.substring(1, v.length() - 1);
    }
    List<String> out = new ArrayList<>();
    int depth = 0;
    StringBuilder current = new StringBuilder();
    for (char c : v.toCharArray()) {
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      }
      if (c == ',' && depth == 0) {
        if (!current.toString().isBlank()) {
          out.add(current.toString().trim());
        }
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString().trim());
    }
    return out;
  }

  private static String partitionByError(String value) {
    for (String t : parsePartitionBy(value)) {
      String expr = t.contains("(") ? t : "identity(" + t + ")";
      Matcher m = TRANSFORM.matcher(expr);
      if (!m.matches()) {
        return "cannot parse '" + t + "'; expected e.g. [bucket(id, 16), day(ts), region]";
      }
      String name = m.group(1);
      boolean needsArg = name.equals("bucket") || name.equals("truncate");
      if (needsArg != (m.group(3) != null)) {
        return needsArg ? name + " needs a width, e.g. " + name + "(" + m.group(2) + ", 16)"
            : name + " takes only a column, not a width";
      }
    }
    return null;
  }

  private static String topicNameError(String v) {
    if (v.isEmpty()) {
      return null;
    }
    try {
      org.apache.kafka.common.internals.Topic.validate(v);
      return null;
    } catch (org.apache.kafka.common.errors.InvalidTopicException e) {
      return e.getMessage();
    }
  }

  private static String idColumnsError(String v) {
    for (String column : parsePartitionBy(v)) {
      if (!column.matches("[^\\s(),\\[\\]]+")) {
        return "cannot read column '" + column + "'; expected e.g. [id] or [region, name]";
      }
    }
    return null;
  }

  /** The {@code id.columns} names; empty if unset. */
  public List<String> idColumns() {
    return parsePartitionBy(idColumnsValue);
  }

  private static String bool(String v) {
    return "true".equalsIgnoreCase(v) || "false".equalsIgnoreCase(v) ? null : "must be true or false";
  }

  private static String longIn(String v, long min, long max) {
    try {
      long l = Long.parseLong(v);
      return l >= min && l <= max ? null : "must be between " + min + " and " + max;
    } catch (NumberFormatException e) {
      return "must be a number";
    }
  }

  private static String oneOf(String v, Set<String> allowed) {
    return allowed.contains(v) ? null : "must be one of " + Arrays.toString(allowed.stream().sorted().toArray());
  }
}
