package io.floe.tabletopic.commit;

import io.floe.tabletopic.config.TableTopicConfig.PartitionTransform;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.UpdatePartitionSpec;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.expressions.Term;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partition specs from {@code automq.table.topic.partition.by}. With schemaless values a column may not
 * exist when the table is created: its transform is added as soon as a record brings the column.
 */
final class PartitionSpecs {

  private static final Logger LOG = LoggerFactory.getLogger(PartitionSpecs.class);

  private PartitionSpecs() {}

  static PartitionSpec build(Schema schema, List<PartitionTransform> transforms, String topic) {
    PartitionSpec.Builder b = PartitionSpec.builderFor(schema);
    for (PartitionTransform t : transforms) {
      if (schema.findField(t.column()) == null) {
        LOG.warn("Topic {}: partition column {} is not in the table yet; {}({}) is added when it appears", topic,
            t.column(), t.transform(), t.column());
        continue;
      }
      switch (t.transform()) {
        case "identity" -> b.identity(t.column());
        case "bucket" -> b.bucket(t.column(), t.argument());
        case "truncate" -> b.truncate(t.column(), t.argument());
        case "year" -> b.year(t.column());
        case "month" -> b.month(t.column());
        case "day" -> b.day(t.column());
        case "hour" -> b.hour(t.column());
        default -> throw new IllegalArgumentException("Unknown partition transform " + t.transform());
      }
    }
    return b.build();
  }

  /**
   * Stages in {@code txn} the transforms whose columns exist in its (staged) schema but are not in its spec
   * yet.
   */
  static void addMissing(Transaction txn, List<PartitionTransform> transforms, String topic) {
    Table table = txn.table();
    Set<Integer> partitioned = new HashSet<>();
    for (PartitionField f : table.spec().fields()) {
      partitioned.add(f.sourceId());
    }
    UpdatePartitionSpec update = null;
    for (PartitionTransform t : transforms) {
      var field = table.schema().findField(t.column());
      if (field == null || partitioned.contains(field.fieldId())) {
        continue;
      }
      if (update == null) {
        update = txn.updateSpec();
      }
      update.addField(fieldName(t), term(t));
      LOG.info("Topic {}: table {} becomes also partitioned by {}({}) with the next commit", topic, table.name(), t.transform(), t.column());
    }
    if (update != null) {
      update.commit();
    }
  }

  /** The name PartitionSpec.Builder gives the same transform, so a spec reads the same however it was built. */
  private static String fieldName(PartitionTransform t) {
    return switch (t.transform()) {
      case "identity" -> t.column();
      case "truncate" -> t.column() + "_trunc";
      default -> t.column() + "_" + t.transform();
    };
  }

  private static Term term(PartitionTransform t) {
    return switch (t.transform()) {
      case "identity" -> Expressions.ref(t.column());
      case "bucket" -> Expressions.bucket(t.column(), t.argument());
      case "truncate" -> Expressions.truncate(t.column(), t.argument());
      case "year" -> Expressions.year(t.column());
      case "month" -> Expressions.month(t.column());
      case "day" -> Expressions.day(t.column());
      case "hour" -> Expressions.hour(t.column());
      default -> throw new IllegalArgumentException("Unknown partition transform " + t.transform());
    };
  }
}
