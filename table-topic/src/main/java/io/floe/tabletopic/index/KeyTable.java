package io.floe.tabletopic.index;

import java.util.Objects;

/**
 * A hash table from keys to non-negative longs with open addressing (linear probing, backward-shift
 * deletion): one key reference and one long per slot, no entry objects, so an index of millions of keys
 * stays small. Not thread-safe.
 */
final class KeyTable {

  /** Memory one slot takes: a reference and a long (compressed references rounded up). */
  static final long BYTES_PER_SLOT = 16;
  private static final int INITIAL_CAPACITY = 1 << 10;

  private Object[] keys = new Object[INITIAL_CAPACITY];
  private long[] values = new long[INITIAL_CAPACITY];
  private int size;

  int size() {
    return size;
  }

  long tableBytes() {
    return keys.length * BYTES_PER_SLOT;
  }

  /** The value of {@code key}, or -1. */
  long get(Object key) {
    int mask = keys.length - 1;
    for (int i = slot(key, mask); keys[i] != null; i = (i + 1) & mask) {
      if (keys[i].equals(key)) {
        return values[i];
      }
    }
    return -1;
  }

  void put(Object key, long value) {
    Objects.requireNonNull(key, "key");
    if (value < 0) {
      throw new IllegalArgumentException("Values must not be negative: " + value);
    }
    if ((size + 1) * 4L > keys.length * 3L) {
      grow();
    }
    int mask = keys.length - 1;
    int i = slot(key, mask);
    for (; keys[i] != null; i = (i + 1) & mask) {
      if (keys[i].equals(key)) {
        values[i] = value;
        return;
      }
    }
    keys[i] = key;
    values[i] = value;
    size++;
  }

  /** Removes {@code key}; returns its value, or -1 if it was absent. */
  long remove(Object key) {
    int mask = keys.length - 1;
    int i = slot(key, mask);
    for (; keys[i] != null; i = (i + 1) & mask) {
      if (keys[i].equals(key)) {
        break;
      }
    }
    if (keys[i] == null) {
      return -1;
    }
    long value = values[i];
    // shift back the entries after the hole whose probe sequence passes through it
    int hole = i;
    for (int j = (i + 1) & mask; keys[j] != null; j = (j + 1) & mask) {
      int home = slot(keys[j], mask);
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
    }
    keys[hole] = null;
    size--;
    return value;
  }

  void clear() {
    keys = new Object[INITIAL_CAPACITY];
    values = new long[INITIAL_CAPACITY];
    size = 0;
  }

  private void grow() {
    Object[] oldKeys = keys;
    long[] oldValues = values;
    keys = new Object[oldKeys.length * 2];
    values = new long[oldKeys.length * 2];
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != null) {
        put(oldKeys[i], oldValues[i]);
      }
    }
  }

  private static int slot(Object key, int mask) {
    int h = key.hashCode() * 0x9E3779B9;
    return (h ^ (h >>> 16)) & mask;
  }

  @Override
  public String toString() {
    return "KeyTable[size=" + size + ", capacity=" + keys.length + "]";
  }
}
