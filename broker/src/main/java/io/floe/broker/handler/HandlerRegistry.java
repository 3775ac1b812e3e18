package io.floe.broker.handler;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;

/** The handlers by {@link ApiKeys}. ApiVersions is answered from this registry, so it advertises only what is served. */
public final class HandlerRegistry {

  private final Map<ApiKeys, ApiHandler<?>> handlers = new EnumMap<>(ApiKeys.class);

  public HandlerRegistry register(ApiHandler<?> handler) {
    if (handlers.putIfAbsent(handler.apiKey(), handler) != null) {
      throw new IllegalArgumentException("Cannot register handler: " + handler.apiKey() + " already has one");
    }
    return this;
  }

  public ApiHandler<?> handler(ApiKeys key) {
    return handlers.get(key);
  }

  public boolean supports(ApiKeys key, short version) {
    ApiHandler<?> h = handlers.get(key);
    return h != null && version >= h.minVersion() && version <= h.maxVersion();
  }

  public Collection<ApiHandler<?>> handlers() {
    return Collections.unmodifiableCollection(handlers.values());
  }

  /** The ApiVersions list: one entry per registered handler with its served range. */
  public ApiVersionCollection apiVersions() {
    ApiVersionCollection out = new ApiVersionCollection();
    for (ApiHandler<?> h : handlers.values()) {
      out.add(new ApiVersion().setApiKey(h.apiKey().id).setMinVersion(h.minVersion()).setMaxVersion(h.maxVersion()));
    }
    return out;
  }
}
