package io.floe.schema.internal.avro;

import io.floe.schema.ConvertedStruct;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.io.BinaryDecoder;

/** The readers {@link AvroTypeMapping} builds a tree of, one per schema node. */
final class AvroValueReaders {

  /**
   * How many items a collection of zero-byte items (empty records) may claim: their count is not
   * bounded by the input length, and a corrupt count must not fill the heap with empty values.
   */
  static final int MAX_EMPTY_ITEMS = 1 << 20;

  private static final long MICROS_PER_DAY = 86_400_000_000L;
  private static final int MILLIS_PER_DAY = 86_400_000;
  // Iceberg stores timestamps as long microseconds: milliseconds beyond that cannot be written
  private static final long MIN_MILLIS = Long.MIN_VALUE / 1_000;
  private static final long MAX_MILLIS = Long.MAX_VALUE / 1_000;

  private AvroValueReaders() {}

  static AvroValueReader booleans(String path) {
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        return in.readBoolean();
      }
    };
  }

  static AvroValueReader ints(String path) {
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        return in.readInt();
      }
    };
  }

  static AvroValueReader longs(String path) {
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        return in.readLong();
      }
    };
  }

  static AvroValueReader floats(String path) {
    return new AvroValueReader(path, 4) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        return in.readFloat();
      }
    };
  }

  static AvroValueReader doubles(String path) {
    return new AvroValueReader(path, 8) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        return in.readDouble();
      }
    };
  }

  /** Strings as {@code String}; the decoder checks the length against the input first. */
  static AvroValueReader strings(String path) {
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        return in.readString();
      }
    };
  }

  /** Bytes as a heap {@code ByteBuffer} of exactly the value. */
  static AvroValueReader binary(String path) {
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        return ByteBuffer.wrap(readLengthPrefixed(this, in));
      }
    };
  }

  static AvroValueReader fixed(String path, int size) {
    return new AvroValueReader(path, size) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        return readFixed(this, in, size);
      }
    };
  }

  static AvroValueReader enums(String path, List<String> symbols) {
    String[] byIndex = symbols.toArray(new String[0]);
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        int index = in.readEnum();
        if (index < 0 || index >= byIndex.length) {
          throw invalid(
              String.format(
                  "enum index %d does not exist, the enum has %d symbols", index, byIndex.length));
        }
        return byIndex[index];
      }
    };
  }

  /**
   * Decimals as {@code BigDecimal} with the schema's scale.
   *
   * @param fixedSize the size of the underlying fixed, or -1 for bytes
   */
  static AvroValueReader decimals(String path, int fixedSize, int precision, int scale) {
    return new AvroValueReader(path, fixedSize < 0 ? 1 : fixedSize) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        byte[] unscaled =
            fixedSize < 0 ? readLengthPrefixed(this, in) : readFixed(this, in, fixedSize);
        if (unscaled.length == 0) {
          throw invalid("a decimal needs at least one byte, the record has none");
        }
        BigDecimal value =
            unscaled.length <= Long.BYTES
                ? BigDecimal.valueOf(bigEndianLong(unscaled), scale)
                : new BigDecimal(new BigInteger(unscaled), scale);
        if (value.precision() > precision) {
          throw invalid(
              String.format(
                  "the number has %d digits, more than decimal(%d, %d) holds",
                  value.precision(), precision, scale));
        }
        return value;
      }
    };
  }

  static AvroValueReader uuidStrings(String path) {
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        String text = in.readString();
        try {
          return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
          // the text is not echoed: it may be anything, of any length
          throw invalid(
              "a uuid string must be 8-4-4-4-12 hex digits, the record has another string");
        }
      }
    };
  }

  /** RFC 4122 byte order: the most significant byte first, as Avro's own UUID conversion writes. */
  static AvroValueReader uuidFixed(String path) {
    return new AvroValueReader(path, 16) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        byte[] bytes = readFixed(this, in, 16);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new UUID(buffer.getLong(), buffer.getLong());
      }
    };
  }

  static AvroValueReader dates(String path) {
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        return LocalDate.ofEpochDay(in.readInt()); // every int is a valid LocalDate
      }
    };
  }

  static AvroValueReader timeMillis(String path) {
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        int millis = in.readInt();
        if (millis < 0 || millis >= MILLIS_PER_DAY) {
          throw invalid("time-millis " + millis + " is not a time of day (0 to 86399999)");
        }
        return LocalTime.ofNanoOfDay(millis * 1_000_000L);
      }
    };
  }

  static AvroValueReader timeMicros(String path) {
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        long micros = in.readLong();
        if (micros < 0 || micros >= MICROS_PER_DAY) {
          throw invalid("time-micros " + micros + " is not a time of day (0 to 86399999999)");
        }
        return LocalTime.ofNanoOfDay(micros * 1_000L);
      }
    };
  }

  /**
   * Timestamps in UTC: {@code OffsetDateTime} at offset zero if {@code withZone}, else {@code
   * LocalDateTime}. Nanosecond values are truncated (floored) to microseconds, the precision of
   * Iceberg's v1/v2 timestamp types.
   *
   * @param unitsPerSecond 1_000 for millis, 1_000_000 for micros, 1_000_000_000 for nanos
   */
  static AvroValueReader timestamps(String path, long unitsPerSecond, boolean withZone) {
    long nanosPerUnit = 1_000_000_000L / unitsPerSecond;
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        long value = in.readLong();
        if (unitsPerSecond == 1_000 && (value < MIN_MILLIS || value > MAX_MILLIS)) {
          throw invalid(
              "timestamp-millis " + value + " is beyond what Iceberg stores (about 290,000 years)");
        }
        long seconds = Math.floorDiv(value, unitsPerSecond);
        long nanos = Math.floorMod(value, unitsPerSecond) * nanosPerUnit;
        if (nanosPerUnit == 1) {
          nanos -= nanos % 1_000;
        }
        LocalDateTime local = LocalDateTime.ofEpochSecond(seconds, (int) nanos, ZoneOffset.UTC);
        return withZone ? OffsetDateTime.of(local, ZoneOffset.UTC) : local;
      }
    };
  }

  /**
   * Records as {@link ConvertedStruct}s.
   *
   * @param fields one reader per field with a value, by position in {@code names}: fields of the
   *     null type take no bytes and have no column, so they have no reader
   */
  static AvroValueReader records(
      String path, ConvertedStruct.Names names, List<AvroValueReader> fields) {
    AvroValueReader[] readers = fields.toArray(new AvroValueReader[0]);
    int minBytes = 0;
    for (AvroValueReader field : readers) {
      minBytes = saturatedAdd(minBytes, field.minBytes());
    }
    return new AvroValueReader(path, minBytes) {
      @Override
      Object read(BinaryDecoder in) {
        Object[] values = new Object[readers.length];
        for (int i = 0; i < readers.length; i++) {
          values[i] = readChild(readers[i], in);
        }
        return new ConvertedStruct(names, values);
      }
    };
  }

  /**
   * A union of one type and (optionally) null: the value, or null.
   *
   * @param nullIndex the null branch's index, or -1 if the union has none
   */
  static AvroValueReader options(
      String path, int nullIndex, int valueIndex, AvroValueReader value) {
    int branches = nullIndex < 0 ? 1 : 2;
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        int index = in.readIndex();
        if (index == valueIndex) {
          return readChild(value, in);
        }
        if (index == nullIndex && nullIndex >= 0) {
          return null;
        }
        throw invalid(unknownBranch(index, branches));
      }
    };
  }

  /**
   * A union of several non-null types, as a struct {@code tag, field<i>...} like Iceberg's {@code
   * AvroSchemaUtil}: {@code tag} is the index of the record's branch in the union, and {@code
   * field<tag>} holds its value. The null branch has no field and reads as a null struct.
   *
   * @param names {@code tag}, then one name per non-null branch in union order
   * @param branches one reader per union branch, by index; null for the null branch
   */
  static AvroValueReader unionStructs(
      String path, ConvertedStruct.Names names, List<AvroValueReader> branches) {
    AvroValueReader[] byIndex = branches.toArray(new AvroValueReader[0]);
    int[] positions = new int[byIndex.length]; // where each branch's value goes in the struct
    int size = 1;
    for (int i = 0; i < byIndex.length; i++) {
      positions[i] = byIndex[i] == null ? -1 : size++;
    }
    int fields = size;
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        int index = in.readIndex();
        if (index < 0 || index >= byIndex.length) {
          throw invalid(unknownBranch(index, byIndex.length));
        }
        AvroValueReader branch = byIndex[index];
        if (branch == null) {
          return null;
        }
        Object[] values = new Object[fields];
        values[0] = index; // boxes from Integer's cache: unions have few branches
        values[positions[index]] = readChild(branch, in);
        return new ConvertedStruct(names, values);
      }
    };
  }

  /** Arrays as {@code ArrayList}s. */
  static AvroValueReader arrays(String path, AvroValueReader element) {
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        long count = in.readArrayStart();
        List<Object> list = new ArrayList<>(checkCount(this, in, count, 0, element.minBytes()));
        while (count > 0) {
          for (long i = 0; i < count; i++) {
            list.add(readChild(element, in));
          }
          count = in.arrayNext();
          checkCount(this, in, count, list.size(), element.minBytes());
        }
        return list;
      }
    };
  }

  /** Maps as {@code HashMap}s with {@code String} keys; a repeated key keeps its last value. */
  static AvroValueReader maps(String path, AvroValueReader key, AvroValueReader value) {
    int entryBytes = saturatedAdd(key.minBytes(), value.minBytes());
    return new AvroValueReader(path, 1) {
      @Override
      Object read(BinaryDecoder in) throws IOException {
        long count = in.readMapStart();
        int first = checkCount(this, in, count, 0, entryBytes);
        Map<Object, Object> map = new HashMap<>(Math.max(4, (int) (first / 0.75f) + 1));
        long read = 0;
        while (count > 0) {
          for (long i = 0; i < count; i++) {
            Object k = readChild(key, in);
            map.put(k, readChild(value, in));
          }
          read += count;
          count = in.mapNext();
          checkCount(this, in, count, read, entryBytes);
        }
        return map;
      }
    };
  }

  /** The names of one struct type's fields, shared by every value of that type. */
  static ConvertedStruct.Names names(List<String> names) {
    String[] byPosition = names.toArray(new String[0]);
    return new ConvertedStruct.Names() {
      @Override
      public int size() {
        return byPosition.length;
      }

      @Override
      public String name(int position) {
        return byPosition[position];
      }

      @Override
      public String toString() {
        return String.join(", ", byPosition);
      }
    };
  }

  /**
   * Checks a collection block's item count against the input left, so that a corrupt count cannot
   * allocate more than the input could hold.
   */
  private static int checkCount(
      AvroValueReader reader, BinaryDecoder in, long count, long readSoFar, int itemBytes) {
    long limit = itemBytes > 0 ? in.remainingBytes() / itemBytes : MAX_EMPTY_ITEMS - readSoFar;
    if (count > limit) {
      throw reader.invalid(
          itemBytes > 0
              ? String.format(
                  "a block of %d items cannot fit in the %d bytes left", count, in.remainingBytes())
              : String.format(
                  "%d items of an empty type are more than the %d allowed",
                  readSoFar + count, MAX_EMPTY_ITEMS));
    }
    return (int) count;
  }

  /** Reads a length-prefixed byte string, checking the length against the input first. */
  private static byte[] readLengthPrefixed(AvroValueReader reader, BinaryDecoder in)
      throws IOException {
    long length = in.readLong();
    if (length < 0) {
      throw reader.invalid("its length " + length + " is negative");
    }
    if (length > in.remainingBytes()) {
      throw reader.invalid(
          String.format(
              "its length %d is beyond the %d bytes left in the input",
              length, in.remainingBytes()));
    }
    byte[] bytes = new byte[(int) length];
    in.readFixed(bytes, 0, bytes.length);
    return bytes;
  }

  private static byte[] readFixed(AvroValueReader reader, BinaryDecoder in, int size)
      throws IOException {
    if (size > in.remainingBytes()) {
      throw reader.invalid(
          String.format(
              "the input ends inside it: it takes %d bytes, %d are left",
              size, in.remainingBytes()));
    }
    byte[] bytes = new byte[size];
    in.readFixed(bytes, 0, size);
    return bytes;
  }

  /** A two's-complement big-endian number of at most 8 bytes, sign-extended. */
  private static long bigEndianLong(byte[] bytes) {
    long value = bytes[0]; // sign-extends
    for (int i = 1; i < bytes.length; i++) {
      value = (value << 8) | (bytes[i] & 0xFF);
    }
    return value;
  }

  private static String unknownBranch(int index, int branches) {
    return String.format(
        "union branch %d does not exist, the union has %d branch%s",
        index, branches, branches == 1 ? "" : "es");
  }

  private static int saturatedAdd(int a, int b) {
    long sum = (long) a + b;
    return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) sum;
  }
}
