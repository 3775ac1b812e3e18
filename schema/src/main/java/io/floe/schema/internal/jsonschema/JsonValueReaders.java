package io.floe.schema.internal.jsonschema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.floe.schema.ConversionError.Reason;
import io.floe.schema.ConvertedStruct;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** The readers {@link JsonSchemaTypeMapping} builds a tree of, one per schema node. */
final class JsonValueReaders {

  private static final double TWO_TO_63 = 9.223372036854775808E18;

  private JsonValueReaders() {}

  /**
   * @param allowed the values an {@code enum}/{@code const} allows, checked by strict reads only;
   *     null for any
   */
  static JsonValueReader strings(String path, Set<Object> allowed) {
    return new JsonValueReader(path, "a string") {
      @Override
      Object read(JsonInput in, JsonToken token) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
          throw mismatch(token);
        }
        return checkAllowed(this, in, allowed, in.parser.getText());
      }

      @Override
      boolean accepts(JsonToken token) {
        return token == JsonToken.VALUE_STRING;
      }
    };
  }

  /** RFC 3339 date-time, to UTC; one without an offset is taken as UTC. */
  static JsonValueReader timestamps(String path) {
    return new FormattedStringReader(
        path, "a date-time string (timestamptz)", "an RFC 3339 date-time") {
      @Override
      Object parse(String text) {
        return Rfc3339.dateTime(text);
      }
    };
  }

  static JsonValueReader dates(String path) {
    return new FormattedStringReader(path, "a date string (date)", "an RFC 3339 full-date") {
      @Override
      Object parse(String text) {
        return Rfc3339.date(text);
      }
    };
  }

  /** RFC 3339 time; one with an offset is moved to UTC, as Iceberg's time has no zone. */
  static JsonValueReader times(String path) {
    return new FormattedStringReader(path, "a time string (time)", "an RFC 3339 time") {
      @Override
      Object parse(String text) {
        return Rfc3339.time(text);
      }
    };
  }

  static JsonValueReader uuids(String path) {
    return new FormattedStringReader(
        path, "a uuid string (uuid)", "a UUID in its 8-4-4-4-12 hex form") {
      @Override
      Object parse(String text) {
        return uuid(text);
      }
    };
  }

  /** Integers as {@code Long}; a number written with a fraction of zero ({@code 3.0}) is one. */
  static JsonValueReader longs(String path, Set<Object> allowed) {
    return new JsonValueReader(path, "an integer (long)") {
      @Override
      Object read(JsonInput in, JsonToken token) throws IOException {
        JsonParser p = in.parser;
        long value;
        if (token == JsonToken.VALUE_NUMBER_INT) {
          if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw invalid(
                Reason.UNSUPPORTED,
                "the integer " + abbreviate(p.getText()) + " is beyond the long range");
          }
          value = p.getLongValue();
        } else if (token == JsonToken.VALUE_NUMBER_FLOAT) {
          value = integral(this, p);
        } else {
          throw mismatch(token);
        }
        return checkAllowed(this, in, allowed, value);
      }

      @Override
      boolean accepts(JsonToken token) {
        return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
      }
    };
  }

  static JsonValueReader doubles(String path, Set<Object> allowed) {
    return new JsonValueReader(path, "a number (double)") {
      @Override
      Object read(JsonInput in, JsonToken token) throws IOException {
        if (token != JsonToken.VALUE_NUMBER_FLOAT && token != JsonToken.VALUE_NUMBER_INT) {
          throw mismatch(token);
        }
        double value = in.parser.getDoubleValue();
        if (Double.isInfinite(value)) {
          throw invalid(
              Reason.UNSUPPORTED,
              "the number " + abbreviate(in.parser.getText()) + " is beyond the double range");
        }
        return checkAllowed(this, in, allowed, value);
      }

      @Override
      boolean accepts(JsonToken token) {
        return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
      }
    };
  }

  static JsonValueReader booleans(String path, Set<Object> allowed) {
    return new JsonValueReader(path, "a boolean") {
      @Override
      Object read(JsonInput in, JsonToken token) {
        if (token == JsonToken.VALUE_TRUE) {
          return checkAllowed(this, in, allowed, Boolean.TRUE);
        }
        if (token == JsonToken.VALUE_FALSE) {
          return checkAllowed(this, in, allowed, Boolean.FALSE);
        }
        throw mismatch(token);
      }

      @Override
      boolean accepts(JsonToken token) {
        return token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE;
      }
    };
  }

  /**
   * Values kept as their JSON text, as written.
   *
   * @param tokens the tokens a value may start with, or null for any
   */
  static JsonValueReader jsonText(String path, String expected, Set<JsonToken> tokens) {
    return new JsonValueReader(path, expected) {
      @Override
      Object read(JsonInput in, JsonToken token) throws IOException {
        if (!accepts(token)) {
          throw mismatch(token);
        }
        return in.text(token);
      }

      @Override
      boolean accepts(JsonToken token) {
        return tokens == null || tokens.contains(token);
      }
    };
  }

  static JsonValueReader lists(String path, JsonValueReader element) {
    return new JsonValueReader(path, "an array (list)") {
      @Override
      Object read(JsonInput in, JsonToken token) throws IOException {
        if (token != JsonToken.START_ARRAY) {
          throw mismatch(token);
        }
        JsonParser p = in.parser;
        JsonToken next = p.nextToken();
        if (next == JsonToken.END_ARRAY) {
          return Collections.emptyList();
        }
        List<Object> values = new ArrayList<>();
        do {
          values.add(readChild(element, in, next));
        } while ((next = p.nextToken()) != JsonToken.END_ARRAY);
        return values;
      }

      @Override
      boolean accepts(JsonToken token) {
        return token == JsonToken.START_ARRAY;
      }
    };
  }

  static JsonValueReader maps(String path, JsonValueReader value) {
    return new JsonValueReader(path, "an object (map)") {
      @Override
      Object read(JsonInput in, JsonToken token) throws IOException {
        if (token != JsonToken.START_OBJECT) {
          throw mismatch(token);
        }
        JsonParser p = in.parser;
        Map<String, Object> values = new LinkedHashMap<>();
        String key;
        while ((key = p.nextFieldName()) != null) {
          values.put(key, readChild(value, in, p.nextToken()));
        }
        return values;
      }

      @Override
      boolean accepts(JsonToken token) {
        return token == JsonToken.START_OBJECT;
      }
    };
  }

  /**
   * Objects as structs: properties by name, others skipped. A key repeated in one object keeps its
   * last value, as Jackson's own readers do.
   *
   * @param keys the property of each struct position, as the JSON spells it (names may differ)
   * @param fields the reader of each struct position
   * @param required properties a strict read requires
   * @param closed whether a strict read refuses other properties ({@code additionalProperties:
   *     false})
   */
  static JsonValueReader structs(
      String path,
      ConvertedStruct.Names names,
      List<String> keys,
      List<JsonValueReader> fields,
      Set<String> required,
      boolean closed) {
    // the parser interns property names: most keys then match by reference, in schema order
    String[] keyArray = keys.stream().map(String::intern).toArray(String[]::new);
    JsonValueReader[] readers = fields.toArray(new JsonValueReader[0]);
    Map<String, Integer> positions = new HashMap<>();
    for (int i = 0; i < keyArray.length; i++) {
      positions.put(keyArray[i], i);
    }
    int[] requiredPositions =
        required.stream().filter(positions::containsKey).mapToInt(positions::get).toArray();
    List<String> requiredOthers =
        required.stream().filter(k -> !positions.containsKey(k)).collect(Collectors.toList());
    return new JsonValueReader(path, "an object (struct)") {
      @Override
      Object read(JsonInput in, JsonToken token) throws IOException {
        if (token != JsonToken.START_OBJECT) {
          throw mismatch(token);
        }
        JsonParser p = in.parser;
        Object[] values = new Object[readers.length];
        boolean[] present = in.strict ? new boolean[readers.length] : null;
        Set<String> others = null;
        int next = 0;
        String key;
        while ((key = p.nextFieldName()) != null) {
          int position;
          if (next < keyArray.length && keyArray[next] == key) {
            position = next;
          } else {
            Integer found = positions.get(key);
            position = found == null ? -1 : found;
          }
          JsonToken valueToken = p.nextToken();
          if (position < 0) {
            if (in.strict) {
              if (closed) {
                throw mismatch("the property '" + key + "', which the schema does not allow");
              }
              if (!requiredOthers.isEmpty()) {
                others = others == null ? new HashSet<>() : others;
                others.add(key);
              }
            }
            p.skipChildren(); // unknown to this schema: a newer writer's
            continue;
          }
          values[position] = readChild(readers[position], in, valueToken);
          if (present != null) {
            present[position] = true;
          }
          next = position + 1;
        }
        if (present != null) {
          for (int position : requiredPositions) {
            if (!present[position]) {
              throw mismatch("no required property '" + keyArray[position] + "'");
            }
          }
          for (String other : requiredOthers) {
            if (others == null || !others.contains(other)) {
              throw mismatch("no required property '" + other + "'");
            }
          }
        }
        return new ConvertedStruct(names, values);
      }

      @Override
      boolean accepts(JsonToken token) {
        return token == JsonToken.START_OBJECT;
      }
    };
  }

  /**
   * {@code oneOf}/{@code anyOf} (and multi-type) values as a struct of {@code tag} and one field
   * per branch. The JSON token picks the branch when only one branch takes it; otherwise each such
   * branch is tried, in order, strictly (types, formats, {@code required}, closed objects, {@code
   * enum}/{@code const}), and the first the value is valid against is taken. A value valid against
   * none is read leniently with the first branch its token fits.
   *
   * @param names {@code tag}, then one name per branch
   * @param tags the tag of each branch: its index among the alternatives
   */
  static JsonValueReader unions(
      String path, ConvertedStruct.Names names, int[] tags, List<JsonValueReader> branches) {
    JsonValueReader[] readers = branches.toArray(new JsonValueReader[0]);
    JsonToken[] tokens = JsonToken.values();
    int[][] candidates = new int[tokens.length][];
    for (JsonToken token : tokens) {
      candidates[token.ordinal()] =
          IntStream.range(0, readers.length).filter(i -> readers[i].accepts(token)).toArray();
    }
    String expected =
        "one of "
            + Arrays.stream(readers)
                .map(JsonValueReader::expected)
                .collect(Collectors.joining(" | "))
            + " (a union struct)";
    return new JsonValueReader(path, expected) {
      @Override
      Object read(JsonInput in, JsonToken token) throws IOException {
        int[] fits = candidates[token.ordinal()];
        if (fits.length == 0) {
          throw mismatch(token);
        }
        int chosen = -1;
        Object value = null;
        if (fits.length == 1) {
          chosen = fits[0];
          value = readChild(readers[chosen], in, token);
        } else {
          long span = in.skipValue(token);
          for (int branch : fits) {
            try (JsonInput trial = in.reread(span, true)) {
              value = readChild(readers[branch], trial, trial.parser.nextToken());
              chosen = branch;
              break;
            } catch (InvalidJsonValueException e) {
              // not valid against this branch: try the next
            }
          }
          if (chosen < 0) {
            if (in.strict) {
              throw mismatch("a value valid against none of them");
            }
            chosen = fits[0];
            try (JsonInput lenient = in.reread(span, false)) {
              value = readChild(readers[chosen], lenient, lenient.parser.nextToken());
            }
          }
        }
        Object[] values = new Object[readers.length + 1];
        values[0] = tags[chosen];
        values[chosen + 1] = value;
        return new ConvertedStruct(names, values);
      }

      @Override
      boolean accepts(JsonToken token) {
        return candidates[token.ordinal()].length > 0;
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

  /** Strings of a {@code format} that decodes to another Java type. */
  private abstract static class FormattedStringReader extends JsonValueReader {
    private final String format;

    FormattedStringReader(String path, String expected, String format) {
      super(path, expected);
      this.format = format;
    }

    /** The value, or null if {@code text} is not of the format. */
    abstract Object parse(String text);

    @Override
    final Object read(JsonInput in, JsonToken token) throws IOException {
      if (token != JsonToken.VALUE_STRING) {
        throw mismatch(token);
      }
      Object value = parse(in.parser.getText());
      if (value == null) {
        throw mismatch("a string that is not " + format);
      }
      return value;
    }

    @Override
    final boolean accepts(JsonToken token) {
      return token == JsonToken.VALUE_STRING;
    }
  }

  private static Object checkAllowed(
      JsonValueReader reader, JsonInput in, Set<Object> allowed, Object value) {
    if (allowed != null && in.strict && !allowed.contains(value)) {
      throw reader.mismatch("a value its enum or const does not allow");
    }
    return value;
  }

  /** A number with a fraction or exponent for an integer: only if it is integral. */
  private static long integral(JsonValueReader reader, JsonParser p) throws IOException {
    double approximate = p.getDoubleValue();
    if (approximate > TWO_TO_63 || approximate < -TWO_TO_63) {
      // far beyond 2^53, where every double is integral: only the range matters
      throw reader.invalid(
          Reason.UNSUPPORTED,
          "the integer " + abbreviate(p.getText()) + " is beyond the long range");
    }
    // the magnitude is at most 2^63, so the exact value's digits are few whatever its exponent
    BigDecimal exact = p.getDecimalValue();
    try {
      return exact.longValueExact();
    } catch (ArithmeticException e) {
      if (exact.signum() != 0 && exact.stripTrailingZeros().scale() <= 0) {
        throw reader.invalid(
            Reason.UNSUPPORTED,
            "the integer " + abbreviate(p.getText()) + " is beyond the long range");
      }
      throw reader.mismatch("the number " + abbreviate(p.getText()) + ", which is not an integer");
    }
  }

  private static String abbreviate(String number) {
    return number.length() <= 40 ? number : number.substring(0, 37) + "...";
  }

  /** Only the canonical form: {@code UUID.fromString} also takes shortened groups. */
  private static UUID uuid(String text) {
    if (text.length() != 36
        || text.charAt(8) != '-'
        || text.charAt(13) != '-'
        || text.charAt(18) != '-'
        || text.charAt(23) != '-') {
      return null;
    }
    long high = 0;
    long low = 0;
    for (int i = 0; i < 36; i++) {
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        continue;
      }
      int digit = hex(text.charAt(i));
      if (digit < 0) {
        return null;
      }
      if (i < 19) {
        high = (high << 4) | digit;
      } else {
        low = (low << 4) | digit;
      }
    }
    return new UUID(high, low);
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
