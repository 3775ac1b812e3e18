package io.floe.schema;

import io.floe.schema.internal.TypeNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.Tasks;

/**
 * Evolves a table's schema to hold what converted records need, by name (union by name): adds
 * optional columns at any nesting level, with the docs of the needed fields, widens primitives the
 * ways Iceberg allows (int to long, float to double, decimal precision), makes required columns
 * optional. It never drops, renames, narrows or reorders a column, nor changes an existing column's
 * doc. A need the table cannot meet (a column that is a struct in the table and a string in the
 * records; long vs double) is a {@link Conflict}, reported, not applied: the records that carry it
 * then fail in {@link RecordBuilder#put}.
 *
 * <p>Iceberg's {@code UpdateSchema.unionByNameWith} does the same union, but one incompatible
 * column ({@code Cannot change column type: n: long -> double}) throws away the whole update, so a
 * single conflicting record would keep a batch's new columns out of the table. This plan reports
 * conflicts and applies the rest with Iceberg's own {@code addColumn}, {@code updateColumn} (which
 * checks {@code TypeUtil.isPromotionAllowed}) and {@code makeColumnOptional}.
 */
public final class SchemaEvolution {

  /** Commit attempts when other writers change the table concurrently. */
  static final int COMMIT_ATTEMPTS = 5;

  private SchemaEvolution() {}

  /** A column the records need with a type the table's column cannot hold or widen to. */
  public record Conflict(String column, Type tableType, Type neededType) {
    @Override
    public String toString() {
      return String.format(
          "column '%s' is %s in the table, records need %s",
          column,
          TypeNames.describe(tableType),
          TypeNames.describe(neededType));
    }
  }

  /** The changes that make {@code current} hold the needed columns, and the needs it cannot meet. */
  public record Plan(List<SchemaChange> changes, List<Conflict> conflicts) {
    public Plan {
      changes = List.copyOf(changes);
      conflicts = List.copyOf(conflicts);
    }

    /** Whether the schema already holds everything (conflicts aside). */
    public boolean isEmpty() {
      return changes.isEmpty();
    }

    public void applyTo(UpdateSchema update) {
      changes.forEach(change -> change.applyTo(update));
    }
  }

  /**
   * What was done: the table's schema afterwards, the changes committed (empty if none were needed)
   * and the needs it could not meet.
   */
  public record Result(Schema schema, List<SchemaChange> applied, List<Conflict> conflicts) {}

  /**
   * Plans the changes for {@code needed} (e.g. {@link ValueConverter#columns()} of the key and value
   * converters) against {@code current}. Pure: nothing is committed. Columns are matched by name,
   * exactly first, then ignoring case; field ids in {@code needed} are ignored.
   */
  public static Plan plan(Schema current, List<Types.NestedField> needed) {
    Preconditions.checkArgument(current != null, "Cannot plan schema changes: schema is null");
    Preconditions.checkArgument(needed != null, "Cannot plan schema changes: columns are null");
    List<SchemaChange> changes = new ArrayList<>();
    List<Conflict> conflicts = new ArrayList<>();
    new Planner(current, changes, conflicts).struct(null, current.asStruct(), needed);
    return new Plan(changes, conflicts);
  }

  /**
   * Plans against the table's current schema and commits the changes, if any, as one schema update.
   * If another writer commits first ({@link CommitFailedException}) the table is refreshed and the
   * plan made again, up to {@value #COMMIT_ATTEMPTS} attempts with exponential backoff. Idempotent:
   * once applied, the same needs plan nothing.
   *
   * @throws CommitFailedException if every attempt lost to a concurrent writer
   * @throws org.apache.iceberg.exceptions.CommitStateUnknownException as-is, if the catalog could
   *     not say whether the update was committed: refresh the table and call this again
   */
  public static Result evolve(Table table, List<Types.NestedField> needed) {
    Preconditions.checkArgument(table != null, "Cannot evolve a schema: table is null");
    AtomicReference<Plan> committed = new AtomicReference<>();
    AtomicInteger attempt = new AtomicInteger();
    Tasks.foreach(table)
        .retry(COMMIT_ATTEMPTS - 1)
        .exponentialBackoff(50, 2_000, 30_000, 2.0)
        .onlyRetryOn(CommitFailedException.class)
        .throwFailureWhenFinished()
        .run(
            t -> {
              if (attempt.getAndIncrement() > 0) {
                t.refresh();
              }
              Plan plan = plan(t.schema(), needed);
              if (!plan.isEmpty()) {
                UpdateSchema update = t.updateSchema();
                plan.applyTo(update);
                update.commit();
              }
              committed.set(plan);
            });
    Plan plan = committed.get();
    return new Result(table.schema(), plan.changes(), plan.conflicts());
  }

  /** Walks the table's schema alongside the needed columns. */
  private static final class Planner {
    private final Schema current;
    private final List<SchemaChange> changes;
    private final List<Conflict> conflicts;

    Planner(Schema current, List<SchemaChange> changes, List<Conflict> conflicts) {
      this.current = current;
      this.changes = changes;
      this.conflicts = conflicts;
    }

    /** {@code parentId} is the id of the field whose type is {@code existing}, null for the root. */
    void struct(Integer parentId, Types.StructType existing, List<Types.NestedField> needed) {
      for (Types.NestedField field : needed) {
        Types.NestedField match = existing.field(field.name());
        if (match == null) {
          match = existing.caseInsensitiveField(field.name());
        }
        if (match == null) {
          Optional<String> parent =
              parentId == null ? Optional.empty() : Optional.of(current.findColumnName(parentId));
          changes.add(
              new SchemaChange.AddColumn(
                  parent, field.name(), field.type(), Optional.ofNullable(field.doc())));
        } else {
          field(match, field.isOptional(), field.type());
        }
      }
    }

    private void field(Types.NestedField existing, boolean neededOptional, Type needed) {
      String name = current.findColumnName(existing.fieldId());
      if (neededOptional && existing.isRequired()) {
        changes.add(new SchemaChange.MakeOptional(name));
      }
      Type have = existing.type();
      if (have.isPrimitiveType() && needed.isPrimitiveType()) {
        if (canHold(have.asPrimitiveType(), needed.asPrimitiveType())) {
          return;
        }
        if (TypeUtil.isPromotionAllowed(have, needed.asPrimitiveType())) {
          changes.add(
              new SchemaChange.WidenColumn(name, have.asPrimitiveType(), needed.asPrimitiveType()));
          return;
        }
      } else if (have.isStructType() && needed.isStructType()) {
        struct(existing.fieldId(), have.asStructType(), needed.asStructType().fields());
        return;
      } else if (have.isListType() && needed.isListType()) {
        Types.NestedField element = have.asListType().fields().get(0);
        Types.NestedField neededElement = needed.asListType().fields().get(0);
        field(element, neededElement.isOptional(), neededElement.type());
        return;
      } else if (have.isMapType() && needed.isMapType()) {
        Types.MapType haveMap = have.asMapType();
        Types.MapType neededMap = needed.asMapType();
        if (haveMap.keyType().equals(neededMap.keyType())) {
          Types.NestedField value = haveMap.fields().get(1);
          field(value, neededMap.isValueOptional(), neededMap.valueType());
          return;
        }
      }
      conflicts.add(new Conflict(name, have, needed));
    }

    /**
     * Whether values of {@code needed} can be written to a {@code have} column as it is:
     * RecordBuilder coerces them (an int into a long, any number into a double).
     */
    private static boolean canHold(Type.PrimitiveType have, Type.PrimitiveType needed) {
      if (have.equals(needed) || TypeUtil.isPromotionAllowed(needed, have)) {
        return true;
      }
      switch (have.typeId()) {
        case DOUBLE:
          return needed.typeId() == Type.TypeID.INTEGER
              || needed.typeId() == Type.TypeID.LONG
              || needed.typeId() == Type.TypeID.DECIMAL;
        case DECIMAL:
          Types.DecimalType decimal = (Types.DecimalType) have;
          int integerDigits = decimal.precision() - decimal.scale();
          return (needed.typeId() == Type.TypeID.LONG && integerDigits >= 19)
              || (needed.typeId() == Type.TypeID.INTEGER && integerDigits >= 10);
        default:
          return false;
      }
    }
  }
}
