package io.floe.storage.stream;

/**
 * Counters of the background work that keeps the bucket small (see {@link DefaultStreamStore#compactionStats()}),
 * for monitoring. Counts are since the store started.
 *
 * @param cycles compaction cycles run (each over the streams this store has open)
 * @param rangesCompacted index ranges replaced by compaction, each of them a stream's part of a shared WAL object
 *     or a whole small stream object
 * @param objectsWritten stream objects written and committed by compaction
 * @param bytesRewritten bytes of those objects: what compaction read and wrote again
 * @param conflicts compactions given up because the ranges changed meanwhile (trimmed, deleted, or the stream
 *     got a new owner); the object written for them was deleted
 * @param failures compactions given up on an object-store or metadata error; tried again next cycle
 * @param objectsDeleted objects deleted from the object store once unreferenced for the grace period: released by
 *     compaction, retention, DeleteRecords or deleted streams
 */
public record CompactionStats(
    long cycles,
    long rangesCompacted,
    long objectsWritten,
    long bytesRewritten,
    long conflicts,
    long failures,
    long objectsDeleted) {}
