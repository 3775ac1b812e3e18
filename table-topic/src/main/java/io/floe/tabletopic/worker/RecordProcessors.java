package io.floe.tabletopic.worker;

import io.floe.schema.SchemaSources;
import io.floe.schema.ValueConverters;
import io.floe.tabletopic.config.TableTopicConfig;
import java.util.Optional;

/** The record processor a table topic's settings ask for. */
public final class RecordProcessors {

  private RecordProcessors() {}

  /**
   * Debezium change events for {@code transform.value.type=flatten_debezium}; otherwise the value (and key)
   * converters of the {@code convert.*} settings, with schemas from {@code sources}, their rows upserted or
   * deleted by {@code id.columns} with {@code upsert.enable} or {@code cdc.field}.
   *
   * @throws IllegalArgumentException if the converters cannot be made (no registry for a type that needs one,
   *     .proto files that do not parse)
   */
  public static RecordProcessor forConfig(TableTopicConfig config, SchemaSources sources) {
    if ("flatten_debezium".equals(config.transformValueType())) {
      return new DebeziumRecordProcessor(config.idColumns(), "json".equals(config.convertValueType())
          ? Optional.empty()
          : Optional.of(ValueConverters.forValue(TableTopicConfig.envelopeConverterConfigs(config.converterConfigs()),
              ConvertingRecordProcessor.VALUE_COLUMN, sources)));
    }
    RecordProcessor rows = ConvertingRecordProcessor.forConfig(config, sources);
    if (config.upsertEnabled() || !config.cdcField().isEmpty()) {
      return new UpsertRecordProcessor(rows, config.idColumns(), config.cdcField());
    }
    return rows;
  }
}
