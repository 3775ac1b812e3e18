package io.floe.schema.internal.jsonschema;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The RFC 3339 forms of JSON Schema's {@code date-time}, {@code date} and {@code time} formats,
 * parsed by hand: {@code DateTimeFormatter} takes several times longer, which halves the rate of
 * records with a timestamp.
 *
 * <p>Beyond RFC 3339, an offset may be left out and is then UTC, as schemaless JSON takes it. The
 * separator may be {@code T}, {@code t} or a space, {@code Z} in either case; seconds are required,
 * and fraction digits beyond nanoseconds are dropped. A leap second ({@code :60}) is not a value.
 */
final class Rfc3339 {

  private static final int INVALID = Integer.MIN_VALUE;

  private Rfc3339() {}

  /** The instant in UTC, or null if {@code text} is not a date-time. */
  static OffsetDateTime dateTime(String text) {
    if (text.length() < 19
        || !isDate(text, 0)
        || !isSeparator(text.charAt(10))
        || !isTime(text, 11)) {
      return null;
    }
    int end = fractionEnd(text, 19);
    int offset = end < 0 ? INVALID : offsetSeconds(text, end);
    if (offset == INVALID) {
      return null;
    }
    try {
      LocalDateTime local =
          LocalDateTime.of(
              number(text, 0, 4),
              number(text, 5, 2),
              number(text, 8, 2),
              number(text, 11, 2),
              number(text, 14, 2),
              number(text, 17, 2),
              nanos(text, 19, end));
      return (offset == 0 ? local : local.minusSeconds(offset)).atOffset(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** The date, or null if {@code text} is not a full-date. */
  static LocalDate date(String text) {
    if (text.length() != 10 || !isDate(text, 0)) {
      return null;
    }
    try {
      return LocalDate.of(number(text, 0, 4), number(text, 5, 2), number(text, 8, 2));
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** The time of day in UTC, or null if {@code text} is not a time. */
  static LocalTime time(String text) {
    if (text.length() < 8 || !isTime(text, 0)) {
      return null;
    }
    int end = fractionEnd(text, 8);
    int offset = end < 0 ? INVALID : offsetSeconds(text, end);
    if (offset == INVALID) {
      return null;
    }
    try {
      LocalTime local =
          LocalTime.of(
              number(text, 0, 2), number(text, 3, 2), number(text, 6, 2), nanos(text, 8, end));
      return local.minusSeconds(offset);
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** {@code YYYY-MM-DD} at {@code at}. */
  private static boolean isDate(String text, int at) {
    return digits(text, at, 4)
        && text.charAt(at + 4) == '-'
        && digits(text, at + 5, 2)
        && text.charAt(at + 7) == '-'
        && digits(text, at + 8, 2);
  }

  /** {@code HH:MM:SS} at {@code at}. */
  private static boolean isTime(String text, int at) {
    return digits(text, at, 2)
        && text.charAt(at + 2) == ':'
        && digits(text, at + 3, 2)
        && text.charAt(at + 5) == ':'
        && digits(text, at + 6, 2);
  }

  private static boolean isSeparator(char c) {
    return c == 'T' || c == 't' || c == ' ';
  }

  /**
   * Where a fraction at {@code at} ends ({@code at} if there is none), or -1 if it has no digits.
   */
  private static int fractionEnd(String text, int at) {
    if (at == text.length() || text.charAt(at) != '.') {
      return at;
    }
    int end = at + 1;
    while (end < text.length() && isDigit(text.charAt(end))) {
      end++;
    }
    return end == at + 1 ? -1 : end;
  }

  private static int nanos(String text, int at, int end) {
    int nanos = 0;
    for (int i = 1; i <= 9; i++) {
      nanos = nanos * 10 + (at + i < end ? text.charAt(at + i) - '0' : 0);
    }
    return nanos;
  }

  /**
   * The offset from UTC in seconds that ends {@code text} at {@code at}: 0 if there is none, {@link
   * #INVALID} if it is not an offset.
   */
  private static int offsetSeconds(String text, int at) {
    int length = text.length();
    if (at == length) {
      return 0;
    }
    char c = text.charAt(at);
    if (c == 'Z' || c == 'z') {
      return at + 1 == length ? 0 : INVALID;
    }
    if ((c != '+' && c != '-')
        || length != at + 6
        || !digits(text, at + 1, 2)
        || text.charAt(at + 3) != ':'
        || !digits(text, at + 4, 2)) {
      return INVALID;
    }
    int hours = number(text, at + 1, 2);
    int minutes = number(text, at + 4, 2);
    if (hours > 23 || minutes > 59) {
      return INVALID;
    }
    int seconds = hours * 3600 + minutes * 60;
    return c == '-' ? -seconds : seconds;
  }

  private static boolean digits(String text, int at, int count) {
    if (at + count > text.length()) {
      return false;
    }
    for (int i = at; i < at + count; i++) {
      if (!isDigit(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int number(String text, int at, int count) {
    int value = 0;
    for (int i = at; i < at + count; i++) {
      value = value * 10 + text.charAt(i) - '0';
    }
    return value;
  }
}
