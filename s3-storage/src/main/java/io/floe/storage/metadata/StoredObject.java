package io.floe.storage.metadata;

/** An object known to the index. {@code deletedMs} is when it became unreferenced, or -1 while it is live. */
public record StoredObject(long objectId, String objectKey, long sizeBytes, long createdMs, long deletedMs) {}
