package io.floe.schema.internal.jsonschema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class Rfc3339Test {

  @Test
  void dateTimesAreInstantsInUtc() {
    // Given date-times with offsets, Z in either case, a space or t separator, no offset, fractions
    // When they are parsed, then each is its instant in UTC; no offset means UTC
    assertEquals(utc(2024, 5, 1, 12, 0, 0, 0), Rfc3339.dateTime("2024-05-01T12:00:00Z"));
    assertEquals(utc(2024, 5, 1, 12, 0, 0, 0), Rfc3339.dateTime("2024-05-01t12:00:00z"));
    assertEquals(utc(2024, 5, 1, 12, 0, 0, 0), Rfc3339.dateTime("2024-05-01 12:00:00"));
    assertEquals(utc(2024, 4, 30, 23, 30, 0, 0), Rfc3339.dateTime("2024-05-01T01:00:00+01:30"));
    assertEquals(utc(2025, 1, 1, 3, 0, 0, 0), Rfc3339.dateTime("2024-12-31T22:00:00-05:00"));
    assertEquals(
        utc(2024, 5, 1, 12, 0, 0, 100_000_000), Rfc3339.dateTime("2024-05-01T12:00:00.1Z"));
    assertEquals(
        utc(2024, 5, 1, 12, 0, 0, 123_456_789),
        Rfc3339.dateTime("2024-05-01T12:00:00.1234567891Z"));
    assertEquals(utc(0, 1, 1, 0, 0, 0, 0), Rfc3339.dateTime("0000-01-01T00:00:00Z"));
  }

  @Test
  void textsThatAreNotDateTimesAreRefused() {
    // Given texts that are not RFC 3339 date-times
    String[] invalid = {
      "",
      "2024-05-01",
      "2024-05-01T12:00",
      "2024-05-01T12:00Z",
      "+12024-05-01T12:00:00Z",
      "2024-13-01T00:00:00Z",
      "2024-02-30T00:00:00Z",
      "2024-05-01T24:00:00Z",
      "2024-05-01T23:59:60Z",
      "2024-05-01T12:00:00.Z",
      "2024-05-01T12:00:00+0100",
      "2024-05-01T12:00:00+01:60",
      "2024-05-01T12:00:00Zx",
      "2024-05-01X12:00:00Z",
      "2024-05-01T12:00:00[Europe/Paris]",
      "2024-05-01T12:00:00+01:00:00",
      "２０２４-05-01T12:00:00Z"
    };

    // When they are parsed, then none is a value
    for (String text : invalid) {
      assertNull(Rfc3339.dateTime(text), text);
    }
  }

  @Test
  void datesAndTimesParse() {
    // Given full-dates and times, with and without offsets
    // When they are parsed, then dates are dates and times are times of day in UTC
    assertEquals(LocalDate.of(2024, 2, 29), Rfc3339.date("2024-02-29"));
    assertNull(Rfc3339.date("2023-02-29"));
    assertNull(Rfc3339.date("2024-5-1"));
    assertNull(Rfc3339.date("2024-05-01T00:00:00Z"));
    assertEquals(LocalTime.of(12, 30, 5, 500_000_000), Rfc3339.time("12:30:05.5"));
    assertEquals(LocalTime.of(23, 30), Rfc3339.time("00:30:00+01:00"));
    assertEquals(LocalTime.of(12, 0), Rfc3339.time("12:00:00Z"));
    assertNull(Rfc3339.time("12:00"));
    assertNull(Rfc3339.time("25:00:00"));
  }

  private static OffsetDateTime utc(
      int year, int month, int day, int hour, int minute, int second, int nanos) {
    return OffsetDateTime.of(year, month, day, hour, minute, second, nanos, ZoneOffset.UTC);
  }
}
