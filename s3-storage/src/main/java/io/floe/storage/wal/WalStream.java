package io.floe.storage.wal;

import io.floe.storage.metadata.StreamRange;
import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * What the {@link WriteAheadLog} needs of a stream it writes for: its identity and owner epoch, whether it is
 * fenced, and where committed batches go: to {@link #onCommitted} when the WAL acknowledges after the index commit,
 * to {@link #onJournaled} and later {@link #onIndexed} when it acknowledges after writing its {@link WalJournal}. Callbacks run on the WAL's commit thread and must not block.
 */
public interface WalStream {

  long streamId();

  /** The owner epoch the stream's ranges are committed under. */
  long epoch();

  /** True once the stream rejects appends; the WAL then fails its pending batches instead of committing them. */
  boolean isFenced();

  /** Fences the stream because some of its appends failed; called before their futures fail. */
  void fence(Throwable cause);

  /**
   * Called once per object and stream after the object's index commit, in commit order, before the batches'
   * append futures complete. {@code batches} are in append order and their buffers are handed over: the
   * callee owns one reference to each and must release it.
   */
  void onCommitted(StreamRange range, List<CommittedBatch> batches);

  /**
   * With a {@link WalJournal}: called once per journal record and stream after the record is written, in write
   * order, before the batches' append futures complete. The batches are acknowledged but in no object yet: the
   * stream must serve them from memory until {@link #onIndexed} covers them. {@code batches} are in append order
   * and their buffers are handed over: the callee owns one reference to each and must release it.
   */
  void onJournaled(List<CommittedBatch> batches);

  /**
   * With a {@link WalJournal}: the range holding batches handed to {@link #onJournaled} earlier is committed to the
   * index now. Called in offset order, on the WAL's commit thread.
   */
  void onIndexed(StreamRange range);

  /** One batch of a committed range. */
  record CommittedBatch(long baseOffset, int count, long maxTimestamp, ByteBuf batch) {
    public long endOffset() {
      return baseOffset + count;
    }
  }
}
