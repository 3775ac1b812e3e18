package io.floe.broker.handler;

import io.floe.broker.config.BrokerConfig;
import io.floe.broker.config.TopicConfigs;
import io.floe.broker.log.LogManager;
import io.floe.broker.log.TopicState;
import io.floe.broker.server.BrokerInfo;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * Topic configs with their source (set on the topic, taken from a broker property, or the default) and,
 * when asked, synonyms and documentation; broker configs as read-only static values.
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequest> {

  private static final BrokerConfig DEFAULTS = BrokerConfig.of(Map.of());

  private final LogManager logs;
  private final BrokerConfig config;
  private final BrokerInfo broker;

  public DescribeConfigsHandler(LogManager logs, BrokerConfig config, BrokerInfo broker) {
    this.logs = logs;
    this.config = config;
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DESCRIBE_CONFIGS;
  }

  @Override
  public short minVersion() {
    return 1;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, DescribeConfigsRequest request) {
    boolean synonyms = request.data().includeSynonyms();
    boolean docs = request.data().includeDocumentation();
    DescribeConfigsResponseData out = new DescribeConfigsResponseData();
    for (DescribeConfigsResource r : request.data().resources()) {
      DescribeConfigsResult result = new DescribeConfigsResult()
          .setResourceType(r.resourceType()).setResourceName(r.resourceName()).setErrorCode(Errors.NONE.code());
      ConfigResource.Type type = ConfigResource.Type.forId(r.resourceType());
      if (type == ConfigResource.Type.TOPIC) {
        Optional<TopicState> t = logs.topic(r.resourceName());
        if (t.isEmpty()) {
          result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
              .setErrorMessage("Topic '" + r.resourceName() + "' does not exist.");
        } else {
          describeTopic(t.get().configs(), r.configurationKeys(), synonyms, docs, result);
        }
      } else if (type == ConfigResource.Type.BROKER) {
        if (!r.resourceName().isEmpty() && !r.resourceName().equals(String.valueOf(broker.nodeId()))) {
          result.setErrorCode(Errors.INVALID_REQUEST.code())
              .setErrorMessage("Unexpected broker id, expected " + broker.nodeId() + " or empty string, but received " + r.resourceName());
        } else {
          describeBroker(r.configurationKeys(), result);
        }
      } else if (type == ConfigResource.Type.BROKER_LOGGER) {
        // No dynamic log levels: an empty list, not an error, so tools that list everything keep working.
      } else {
        result.setErrorCode(Errors.INVALID_REQUEST.code())
            .setErrorMessage("Unsupported resource type " + r.resourceType() + " for DescribeConfigs");
      }
      out.results().add(result);
    }
    return CompletableFuture.completedFuture(Response.of(new DescribeConfigsResponse(out)));
  }

  private void describeTopic(Map<String, String> explicit, List<String> keys, boolean synonyms, boolean docs,
      DescribeConfigsResult result) {
    TopicConfigs defs = logs.topicConfigs();
    for (TopicConfigs.Definition d : defs.definitions()) {
      if (keys != null && !keys.isEmpty() && !keys.contains(d.name())) {
        continue;
      }
      boolean set = explicit.containsKey(d.name());
      boolean fromBroker = defs.defaultIsFromBroker(d.name());
      ConfigSource source = set ? ConfigSource.TOPIC_CONFIG
          : fromBroker ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
      DescribeConfigsResourceResult c = new DescribeConfigsResourceResult()
          .setName(d.name())
          .setValue(set ? explicit.get(d.name()) : defs.defaultValue(d.name()))
          .setReadOnly(false)
          .setIsSensitive(false)
          .setConfigSource(source.id())
          .setConfigType(configType(d.type()).id())
          .setDocumentation(docs ? d.documentation() : null);
      if (synonyms) {
        if (set) {
          c.synonyms().add(new DescribeConfigsSynonym().setName(d.name()).setValue(explicit.get(d.name()))
              .setSource(ConfigSource.TOPIC_CONFIG.id()));
        }
        if (d.brokerSynonym() != null && fromBroker) {
          c.synonyms().add(new DescribeConfigsSynonym().setName(d.brokerSynonym()).setValue(defs.defaultValue(d.name()))
              .setSource(ConfigSource.STATIC_BROKER_CONFIG.id()));
        }
        c.synonyms().add(new DescribeConfigsSynonym().setName(d.brokerSynonym() != null ? d.brokerSynonym() : d.name())
            .setValue(d.defaultValue().apply(DEFAULTS)).setSource(ConfigSource.DEFAULT_CONFIG.id()));
      }
      result.configs().add(c);
    }
  }

  private void describeBroker(List<String> keys, DescribeConfigsResult result) {
    for (Map.Entry<String, String> e : config.all().entrySet()) {
      if (keys != null && !keys.isEmpty() && !keys.contains(e.getKey())) {
        continue;
      }
      boolean sensitive = e.getKey().contains("password") || e.getKey().contains("secret");
      result.configs().add(new DescribeConfigsResourceResult()
          .setName(e.getKey())
          .setValue(sensitive ? null : e.getValue())
          .setReadOnly(true)
          .setIsSensitive(sensitive)
          .setConfigSource((config.isExplicit(e.getKey()) ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG).id())
          .setConfigType(ConfigType.STRING.id()));
    }
  }

  private static ConfigType configType(TopicConfigs.Type t) {
    return switch (t) {
      case BOOLEAN -> ConfigType.BOOLEAN;
      case STRING -> ConfigType.STRING;
      case INT -> ConfigType.INT;
      case SHORT -> ConfigType.SHORT;
      case LONG -> ConfigType.LONG;
      case DOUBLE -> ConfigType.DOUBLE;
      case LIST -> ConfigType.LIST;
      case CLASS -> ConfigType.CLASS;
      case PASSWORD -> ConfigType.PASSWORD;
    };
  }
}
