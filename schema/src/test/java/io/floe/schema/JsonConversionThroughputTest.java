package io.floe.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.floe.schema.ConverterConfig.ConvertType;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntConsumer;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.TypeUtil;
import org.junit.jupiter.api.Test;

/**
 * Prints how many 1 KiB JSON records per second one thread converts, for the team to quote. Nothing
 * is asserted about speed: the numbers depend on the machine and what else runs on it. Output goes
 * to {@code target/surefire-reports/io.floe.schema.JsonConversionThroughputTest-output.txt}.
 */
class JsonConversionThroughputTest {

  private static final int DISTINCT_RECORDS = 4_096;
  private static final long WARMUP_NANOS = 1_000_000_000L;
  private static final long MEASURE_NANOS = 2_000_000_000L;

  @Test
  void printsRecordsPerSecondForOneKibRecords() throws Exception {
    // Given distinct 1 KiB records of a typical event, and a table evolved for them
    byte[][] records = new byte[DISTINCT_RECORDS][];
    Random random = new Random(42);
    long bytes = 0;
    for (int i = 0; i < records.length; i++) {
      records[i] = event(i, random).getBytes(StandardCharsets.UTF_8);
      bytes += records[i].length;
    }
    double averageSize = (double) bytes / records.length;
    ValueConverter converter = ValueConverters.create(ConvertType.JSON, Placement.flattened());
    for (byte[] record : records) {
      converter.convert(record).value();
    }
    Schema schema =
        TypeUtil.assignIncreasingFreshIds(new Schema(converter.columns()));
    converter.useSchema(schema);
    RecordBuilder rows = RecordBuilder.forSchema(schema);
    ObjectMapper mapper = new ObjectMapper();

    // When each stage runs alone on one thread
    double treeOnly = rate(i -> readTree(mapper, records[i & (DISTINCT_RECORDS - 1)]));
    double convertOnly = rate(i -> converter.convert(records[i & (DISTINCT_RECORDS - 1)]));
    double convertAndBuild =
        rate(
            i -> {
              Object value = converter.convert(records[i & (DISTINCT_RECORDS - 1)]).value();
              GenericRecord row = rows.newRow();
              rows.put(row, converter.placement(), value);
            });

    // Then the rates are printed (and the schema never changed while measuring)
    System.out.printf(
        Locale.ROOT,
        "JSON conversion, one thread, %.0f-byte records, %d fields (nested included):%n"
            + "  Jackson readTree only (reference): %,10.0f records/s%n"
            + "  convert (parse + infer + check):   %,10.0f records/s (%.0f MB/s)%n"
            + "  convert + build GenericRecord:     %,10.0f records/s (%.0f MB/s)%n",
        averageSize,
        TypeUtil.indexById(schema.asStruct()).size(),
        treeOnly,
        convertOnly,
        convertOnly * averageSize / 1e6,
        convertAndBuild,
        convertAndBuild * averageSize / 1e6);
    assertEquals(schema.asStruct(), new Schema(converter.columns()).asStruct());
  }

  private static void readTree(ObjectMapper mapper, byte[] record) {
    try {
      mapper.readTree(record);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Records per second of {@code op}, after a warm-up. */
  private static double rate(IntConsumer op) {
    int i = 0;
    long start = System.nanoTime();
    while (System.nanoTime() - start < WARMUP_NANOS) {
      for (int j = 0; j < 1_000; j++) {
        op.accept(i++);
      }
    }
    long count = 0;
    start = System.nanoTime();
    long elapsed;
    do {
      for (int j = 0; j < 1_000; j++) {
        op.accept(i++);
      }
      count += 1_000;
      elapsed = System.nanoTime() - start;
    } while (elapsed < MEASURE_NANOS);
    return count * 1e9 / elapsed;
  }

  /** An e-commerce event of about 1 KiB: nested objects, a list of structs, strings, numbers. */
  private static String event(int i, Random random) {
    StringBuilder items = new StringBuilder();
    for (int n = 0; n < 3; n++) {
      if (n > 0) {
        items.append(", ");
      }
      items.append(
          String.format(
              Locale.ROOT,
              "{\"sku\": \"SKU-%06d\", \"qty\": %d, \"price\": %.2f, \"category\": \"cat-%d\"}",
              random.nextInt(1_000_000),
              1 + random.nextInt(5),
              random.nextDouble() * 100,
              random.nextInt(50)));
    }
    String json =
        String.format(
            Locale.ROOT,
            "{\"event_id\": %d, \"type\": \"checkout\", \"ts\": \"2024-05-01T12:%02d:%02d.%03dZ\","
                + " \"user\": {\"id\": %d, \"name\": \"user-%d\", \"email\": \"user%d@example.com\","
                + " \"country\": \"DE\", \"vip\": %b, \"age\": %d},"
                + " \"device\": {\"os\": \"android\", \"version\": \"14.%d\", \"model\": \"Pixel 8\","
                + " \"screen\": {\"w\": 1080, \"h\": 2400}},"
                + " \"amount\": %.2f, \"currency\": \"EUR\", \"items\": [%s],"
                + " \"tags\": [\"promo\", \"mobile\", \"t%d\"], \"session\": \"%s\","
                + " \"page\": \"/products/%d\", \"referrer\": \"https://search.example.com/?q=item+%d\","
                + " \"latency_ms\": %d, \"ok\": true, \"note\": \"",
            1_000_000L + i,
            random.nextInt(60),
            random.nextInt(60),
            random.nextInt(1000),
            random.nextInt(100_000),
            i,
            i,
            random.nextBoolean(),
            18 + random.nextInt(60),
            random.nextInt(10),
            random.nextDouble() * 500,
            items,
            random.nextInt(10),
            new java.util.UUID(random.nextLong(), random.nextLong()),
            random.nextInt(10_000),
            random.nextInt(10_000),
            random.nextInt(2_000));
    StringBuilder padded = new StringBuilder(json);
    while (padded.length() < 1_022) {
      padded.append((char) ('a' + random.nextInt(26)));
    }
    return padded.append("\"}").toString();
  }
}
