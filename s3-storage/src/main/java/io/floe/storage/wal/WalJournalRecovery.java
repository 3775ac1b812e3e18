package io.floe.storage.wal;

import io.floe.storage.metadata.StreamIndexStore;
import io.floe.storage.metadata.StreamMetadata;
import io.floe.storage.metadata.StreamRange;
import io.floe.storage.objectstore.ObjectStorage;
import io.floe.storage.retry.Retrier;
import io.floe.storage.wal.WriteAheadLog.PendingEntry;
import io.floe.storage.wal.WriteAheadLog.SealedObject;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link WriteAheadLog}'s start with a {@link WalJournal}: the acknowledged batches the journal still holds and
 * the index lacks go into objects of up to {@code objectBytes}, committed under each stream's current epoch, before
 * any stream opens. Fails if it cannot, since those batches were acknowledged.
 */
final class WalJournalRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(WalJournalRecovery.class);

  private final ObjectStorage storage;
  private final StreamIndexStore index;
  private final long objectBytes;
  private final Retrier uploadRetrier;
  private final LongSupplier objectIds;
  private final ByteBufAllocator allocator;

  WalJournalRecovery(
      ObjectStorage storage, StreamIndexStore index, long objectBytes, Retrier uploadRetrier, LongSupplier objectIds,
      ByteBufAllocator allocator) {
    this.storage = storage;
    this.index = index;
    this.objectBytes = objectBytes;
    this.uploadRetrier = uploadRetrier;
    this.objectIds = objectIds;
    this.allocator = allocator;
  }

  /**
   * Puts the batches {@code journal} holds from an earlier run, and the index lacks, into objects, then clears the
   * journal; returns the sequence its next record gets. A batch is taken only if it continues its stream exactly
   * where the index ends: batches already indexed are skipped, and so are batches after a gap, which were never
   * acknowledged (a later record written before an earlier one whose write the crash cut short). Streams deleted
   * since are skipped.
   */
  long recover(WalJournal journal) {
    Map<Long, RecoveredStream> streams = new HashMap<>();
    List<PendingEntry> entries = new ArrayList<>();
    long[] bytes = {0};
    long[] lastSequence = {-1};
    int[] objects = {0};
    long[] batches = {0};
    int records;
    try {
      records = journal.recover(record -> {
        lastSequence[0] = record.sequence();
        for (WalObjectFormat.Entry e : WalObjectFormat.parseAll(record.payload())) {
          RecoveredStream stream = streams.computeIfAbsent(e.streamId(), id -> new RecoveredStream(index.stream(id)));
          if (!stream.takes(e)) {
            continue;
          }
          ByteBuf batch = allocator.directBuffer(e.batch().readableBytes());
          batch.writeBytes(e.batch(), e.batch().readerIndex(), e.batch().readableBytes());
          PendingEntry entry = new PendingEntry(stream, e.baseOffset(), e.count(), e.maxTimestamp(), batch);
          entries.add(entry);
          bytes[0] += entry.framedBytes;
          batches[0]++;
          if (bytes[0] >= objectBytes) {
            writeRecovered(journal, entries, bytes[0]);
            objects[0]++;
            entries.clear();
            bytes[0] = 0;
          }
        }
      });
      if (!entries.isEmpty()) {
        writeRecovered(journal, entries, bytes[0]);
        objects[0]++;
      }
    } finally {
      for (PendingEntry e : entries) {
        e.batch.release();
      }
    }
    journal.reset(lastSequence[0] + 1);
    if (records > 0) {
      LOG.info("Recovered the WAL file in {}: {} records, {} batches not yet indexed put into {} objects",
          journal.dir(), records, batches[0], objects[0]);
    }
    return lastSequence[0] + 1;
  }

  /** Writes and commits one object of recovered batches; the batches stay the caller's. */
  private void writeRecovered(WalJournal journal, List<PendingEntry> entries, long bytes) {
    long objectId = objectIds.getAsLong();
    SealedObject object = SealedObject.build(objectId, WalObjectFormat.objectKey(objectId), entries, bytes, allocator);
    try {
      uploadRetrier.run("upload recovered WAL object " + object.key, () -> storage.write(object.key, object.data))
          .join();
      index.commitObjects(List.of(object.toCommit()));
    } catch (RuntimeException e) {
      throw new IllegalStateException("Cannot put the acknowledged batches of the WAL file in " + journal.dir()
          + " into objects; the broker cannot start without them: " + WriteAheadLog.unwrap(e).getMessage(), WriteAheadLog.unwrap(e));
    } finally {
      object.release();
    }
  }

  /** A stream as the index has it, taking the recovered batches that continue it. */
  private static final class RecoveredStream implements WalStream {
    private final StreamMetadata metadata;
    private long next;
    private boolean gapLogged;

    RecoveredStream(StreamMetadata metadata) {
      this.metadata = metadata;
      this.next = metadata.endOffset();
    }

    boolean takes(WalObjectFormat.Entry e) {
      if (metadata.epoch() == 0 || e.endOffset() <= next) {
        return false; // deleted, or indexed already
      }
      if (e.baseOffset() != next) {
        if (!gapLogged) {
          gapLogged = true;
          LOG.warn("WAL file: stream {} continues at offset {}, not at {} where its index ends; the batches from"
              + " there were never acknowledged and are skipped", metadata.streamId(), e.baseOffset(), next);
        }
        return false;
      }
      next = e.endOffset();
      return true;
    }

    @Override
    public long streamId() {
      return metadata.streamId();
    }

    @Override
    public long epoch() {
      return metadata.epoch();
    }

    @Override
    public boolean isFenced() {
      return false;
    }

    @Override
    public void fence(Throwable cause) {}

    @Override
    public void onCommitted(StreamRange range, List<CommittedBatch> batches) {
      throw new UnsupportedOperationException("recovered batches are committed directly");
    }

    @Override
    public void onJournaled(List<CommittedBatch> batches) {
      throw new UnsupportedOperationException("recovered batches are committed directly");
    }

    @Override
    public void onIndexed(StreamRange range) {
      throw new UnsupportedOperationException("recovered batches are committed directly");
    }
  }

}
