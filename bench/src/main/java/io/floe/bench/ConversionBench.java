package io.floe.bench;

import io.floe.schema.ConversionResult;
import io.floe.schema.RecordBuilder;
import io.floe.schema.SchemaEvolution;
import io.floe.schema.SchemaSources;
import io.floe.schema.ValueConverter;
import io.floe.schema.ValueConverters;
import io.floe.schema.registry.InMemorySchemaRegistryStore;
import io.floe.schema.registry.SchemaFormats;
import io.floe.schema.registry.SchemaRegistry;
import io.floe.schema.registry.SchemaType;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.TypeUtil;

/**
 * Conversion alone, per format, in this JVM on one thread: 1 KiB records to Iceberg rows with Floe's converters
 * (the table topic's path: {@code json} or {@code by_schema_id} with the schema from an in-process registry, then
 * RecordBuilder), beside each format's own library decoding the same records into GenericRecords ({@link
 * RawDecoder}). Each figure is the median of {@value #ROUNDS} measured passes after {@value #WARMUP} warm-up
 * passes; run on a quiet machine, and compare within one run.
 */
final class ConversionBench {

  static final int WARMUP = 2;
  static final int ROUNDS = 3;
  static final int MAX_RECORDS = 200_000;

  private ConversionBench() {}

  static String run(List<BenchRecords.Format> formats, int records, PrintStream out) {
    int n = Math.min(records, MAX_RECORDS);
    SchemaRegistry registry = new SchemaRegistry(new InMemorySchemaRegistryStore(), SchemaFormats.all());
    StringBuilder md = new StringBuilder(
        "| format | Floe converter + RecordBuilder rows/s | format's own decoder + GenericRecord rows/s | Floe / own |\n"
            + "| --- | --- | --- | --- |\n");
    for (BenchRecords.Format format : formats) {
      out.printf("conversion %s: %d records, %d warm-up and %d measured passes...%n", format, n, WARMUP, ROUNDS);
      int id = switch (format) {
        case JSON -> 0;
        case AVRO -> registry.register("conv-avro-value", new SchemaRegistry.SchemaText(SchemaType.AVRO,
            BenchRecords.AVRO_SCHEMA, List.of())).id();
        case PROTOBUF -> registry.register("conv-proto-value", new SchemaRegistry.SchemaText(SchemaType.PROTOBUF,
            BenchRecords.PROTO_SCHEMA, List.of())).id();
      };
      List<byte[]> pool = BenchRecords.pool(format, id);
      List<byte[]> input = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        input.add(pool.get(i % pool.size()));
      }
      double floe = median(() -> floePass(format, registry, input));
      RawDecoder raw = RawDecoder.of(format, BenchRecords.icebergSchema());
      double own = median(() -> {
        long t0 = System.nanoTime();
        long sink = 0;
        for (byte[] b : input) {
          sink += raw.decode(b).size();
        }
        return sink > 0 ? input.size() * 1e9 / (System.nanoTime() - t0) : 0;
      });
      md.append(String.format("| %s | %.0f | %.0f | %.2fx |%n", format.name().toLowerCase(java.util.Locale.ROOT),
          floe, own, floe / own));
    }
    return md.toString();
  }

  /** One pass of Floe's converter over {@code input}: rows/s, with the table's schema evolved once up front. */
  private static double floePass(BenchRecords.Format format, SchemaRegistry registry, List<byte[]> input) {
    Map<String, String> configs = Map.of(
        "automq.table.topic.convert.value.type", format == BenchRecords.Format.JSON ? "json" : "by_schema_id",
        "automq.table.topic.transform.value.type", "flatten");
    ValueConverter converter = ValueConverters.forValue(configs, "value", SchemaSources.of("conv", registry));
    converter.convert(input.get(0));
    Schema schema = TypeUtil.assignIncreasingFreshIds(new Schema(converter.columns()));
    if (!SchemaEvolution.plan(schema, converter.columns()).isEmpty()) {
      throw new IllegalStateException("The bench's schema does not hold its records");
    }
    converter.useSchema(schema);
    RecordBuilder rows = RecordBuilder.forSchema(schema);
    long t0 = System.nanoTime();
    long fields = 0;
    for (byte[] b : input) {
      ConversionResult r = converter.convert(b);
      GenericRecord row = rows.newRow();
      if (rows.put(row, converter.placement(), r.value()).isPresent()) {
        throw new IllegalStateException("A bench record does not fit its row");
      }
      fields += row.size();
    }
    return fields > 0 ? input.size() * 1e9 / (System.nanoTime() - t0) : 0;
  }

  private static double median(java.util.function.DoubleSupplier pass) {
    for (int i = 0; i < WARMUP; i++) {
      pass.getAsDouble();
    }
    double[] r = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      r[i] = pass.getAsDouble();
    }
    Arrays.sort(r);
    return r[ROUNDS / 2];
  }
}
