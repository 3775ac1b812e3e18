package io.floe.storage.metadata;

/**
 * What a write made on behalf of an owned resource checks in the same transaction: that {@code resource} is still
 * owned by node {@code nodeId} at owner epoch {@code epoch} (see {@link ClusterStore#owners()}). A broker that lost
 * the resource, even one paused and resumed without noticing, then writes nothing.
 */
public record OwnerFence(String resource, int nodeId, int epoch) {}
