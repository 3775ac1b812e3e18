package io.floe.storage.metadata;

import java.util.List;
import java.util.Set;

/**
 * The durable index of streams and the objects holding their data, as used by the WAL and the stream store.
 * Every method is one transaction.
 *
 * <p>Objects move through three states: live (committed, referenced by ranges), unreferenced (every range was
 * trimmed or its stream deleted; marked with the time this was noticed) and purged (removed from the index
 * after the object itself was deleted). An object written to storage but never committed is not in the index
 * at all and is never read.
 */
public interface StreamIndexStore {

  /**
   * Takes ownership of the stream: creates it empty if it does not exist, increments its epoch, and returns
   * its offsets and ranges as of the new epoch. Commits under an older epoch fail from then on.
   */
  StreamMetadata openStream(long streamId);

  /** The stream's current state without taking ownership; a stream that does not exist reads as empty with epoch 0. */
  StreamMetadata stream(long streamId);

  /** Reserves {@code count} object ids and returns the first; the reserved ids are {@code [first, first + count)}. */
  long allocateObjectIds(int count);

  /**
   * Commits the objects and their ranges in one transaction, in list order, advancing each stream's end
   * offset to the end of its last range. Fails with {@link StaleStreamEpochException}, applying nothing, if
   * any stream's epoch differs from the one given, the stream does not exist, or its ranges do not start
   * exactly at the stream's end offset and follow each other without gaps.
   */
  void commitObjects(List<ObjectCommit> objects);

  /**
   * The commit point of compaction: in one transaction, removes {@code r.replaced()} (consecutive ranges of one
   * stream) and adds the new object with its one range over exactly the same offsets, so readers of the index see
   * either the old ranges or the new one, never both or neither. The stream's end and start offsets do not move.
   * Objects left without ranges become unreferenced and are deleted later by the cleanup, after its grace period.
   *
   * <p>Fails, applying nothing, with {@link StaleStreamEpochException} if the stream does not exist or its epoch is
   * not {@code r.epoch()}, and with {@link MetadataConflictException} if any replaced range is no longer in the
   * index exactly as given (same offsets, object, position and length): a trim or another compaction came first.
   * On {@link MetadataCommitStateUnknownException} the caller cannot tell whether the new object is referenced:
   * it must read the stream back (or reopen it) before deleting the object or trusting its old ranges.
   */
  void replaceRanges(RangeReplacement r);

  /**
   * Raises the stream's start offset to {@code newStartOffset} (never lowers it) and drops the ranges wholly
   * below it. Fails with {@link StaleStreamEpochException} if {@code epoch} is not the stream's epoch.
   */
  void trimStream(long streamId, long epoch, long newStartOffset);

  /** Removes the stream and all its ranges; its objects may become unreferenced. Absent streams are ignored. */
  void deleteStream(long streamId);

  /** Marks every live object without ranges as unreferenced at {@code nowMs}; returns how many were marked. */
  int markUnreferencedObjects(long nowMs);

  /** Objects marked unreferenced at or before {@code cutoffMs}, oldest first, at most {@code limit}. */
  List<StoredObject> unreferencedObjects(long cutoffMs, int limit);

  /** Removes the given objects from the index; call only after the objects themselves were deleted. */
  void purgeObjects(List<Long> objectIds);

  /** The keys of every object in the index (live or unreferenced) starting with {@code prefix}. */
  Set<String> objectKeys(String prefix);
}
