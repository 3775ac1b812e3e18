package io.floe.storage.metadata;

/**
 * The broker's durable metadata: topics, stream and object index, group offsets. Backed by JDBC (SQLite
 * embedded, PostgreSQL for clusters) with one schema and migrations for both.
 */
public interface MetadataStore extends TopicStore, GroupOffsetStore, AutoCloseable {
  @Override
  void close();
}
