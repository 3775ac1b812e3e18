package io.floe.schema.internal.json;

import io.floe.schema.ConvertedStruct;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The fields of an inferred struct, append-only between undo steps: the names of the {@link
 * ConvertedStruct}s read with it. Fields are found by JSON key: the exact key first, then the key
 * folded (dots to underscores, lower case), so {@code UserId} lands in an existing {@code userId}.
 */
final class StructShape implements ConvertedStruct.Names {

  private static final Slot[] NO_SLOTS = new Slot[0];

  private Slot[] fields = new Slot[8];
  private int size;
  private final Map<String, Slot> byKey = new HashMap<>();
  private final Map<String, Slot> byFoldedName = new HashMap<>();
  private Slot[] required = NO_SLOTS;

  /** The column name for a JSON key: dots would make Iceberg's dotted column paths ambiguous. */
  static String columnName(String key) {
    return key.indexOf('.') < 0 ? key : key.replace('.', '_');
  }

  static String fold(String key) {
    return columnName(key).toLowerCase(Locale.ROOT);
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public String name(int position) {
    return fields[position].name;
  }

  Slot get(int position) {
    return fields[position];
  }

  /** Fields the table requires, checked at the end of each object. */
  Slot[] required() {
    return required;
  }

  /** The field a JSON key goes to, or null if there is none yet. */
  Slot find(String key) {
    Slot slot = byKey.get(key);
    if (slot == null) {
      slot = byFoldedName.get(fold(key));
      if (slot != null) {
        byKey.put(key, slot); // next time, the exact lookup hits
      }
    }
    return slot;
  }

  void add(Slot slot) {
    if (size == fields.length) {
      fields = Arrays.copyOf(fields, size * 2);
    }
    slot.position = size;
    fields[size++] = slot;
    byKey.put(slot.name, slot);
    byFoldedName.putIfAbsent(fold(slot.name), slot);
    if (slot.isRequired()) {
      required = Arrays.copyOf(required, required.length + 1);
      required[required.length - 1] = slot;
    }
  }

  /** Undoes the last {@link #add}, with every key that led to it. */
  void removeLast() {
    Slot slot = fields[--size];
    fields[size] = null;
    byKey.values().removeIf(s -> s == slot);
    byFoldedName.values().removeIf(s -> s == slot);
  }
}
