package io.floe.tabletopic.worker;

import io.floe.storage.stream.OffsetOutOfRangeException;
import io.floe.storage.stream.ReadResult;
import io.floe.storage.stream.Stream;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Reads a partition's committed records through the storage stream API (never over the network),
 * decompressing batches here, on the table-topic threads, off the produce path. Control batches (none are
 * written today) are skipped.
 */
public final class LogRecordReader {

  /**
   * Receives records a chunk at a time (whole batches, about {@value #CHUNK_BYTES} bytes of keys and values
   * or less), so a chunk's records can be converted together before any is written. The records are valid
   * only during the call.
   */
  @FunctionalInterface
  public interface Sink {
    /** Returns how many of {@code chunk}'s records were taken; fewer stops the read at the first not taken. */
    int accept(List<KafkaRecord> chunk);
  }

  /** A chunk is handed over once its records' keys and values reach this many bytes (at a batch's end). */
  static final int CHUNK_BYTES = 8 << 20;

  /**
   * What one read returned: the next offset to read from, whether the log start passed the cursor, and how
   * many records (and bytes of their keys and values, decompressed) were taken.
   */
  public record Progress(long nextOffset, long skippedFrom, long skippedTo, int records, long recordBytes) {
    public boolean skipped() {
      return skippedTo > skippedFrom;
    }
  }

  private final BufferSupplier buffers = BufferSupplier.create();

  /**
   * Reads batches from {@code offset} up to the stream's committed end, at most about {@code maxBytes},
   * and hands the records at or after {@code offset} to {@code sink} in chunks. If retention or DeleteRecords removed
   * data below the log start, the read continues at the start and the gap is reported.
   */
  public Progress read(Stream stream, int partition, long offset, int maxBytes, Sink sink) {
    long from = offset;
    long skippedFrom = offset;
    if (from < stream.startOffset()) {
      from = stream.startOffset();
    }
    ReadResult r;
    try {
      r = stream.read(from, maxBytes).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof OffsetOutOfRangeException) {
        long start = stream.startOffset();
        return new Progress(Math.max(start, from), skippedFrom, Math.max(start, from), 0, 0);
      }
      throw e;
    }
    long next = from;
    long chunkEnd = from;
    int count = 0;
    List<KafkaRecord> chunk = new ArrayList<>();
    long chunkBytes = 0;
    long takenBytes = 0;
    try {
      for (ByteBuf b : r.batches()) {
        for (RecordBatch batch : MemoryRecords.readableRecords(b.nioBuffer()).batches()) {
          if (!batch.isControlBatch()) {
            try (CloseableIterator<Record> it = batch.streamingIterator(buffers)) {
              while (it.hasNext()) {
                Record rec = it.next();
                if (rec.offset() >= from) {
                  chunk.add(new KafkaRecord(partition, rec.offset(), rec.timestamp(), rec.key(), rec.value(),
                      rec.headers()));
                  chunkBytes += rec.sizeInBytes();
                }
              }
            }
          }
          chunkEnd = batch.lastOffset() + 1;
          if (chunkBytes >= CHUNK_BYTES) {
            int taken = sink.accept(chunk);
            count += taken;
            takenBytes += chunkBytes;
            if (taken < chunk.size()) {
              return new Progress(chunk.get(taken).offset(), skippedFrom, from, count, takenBytes);
            }
            chunk.clear();
            chunkBytes = 0;
            next = chunkEnd;
          }
        }
      }
      if (!chunk.isEmpty()) {
        int taken = sink.accept(chunk);
        count += taken;
        takenBytes += chunkBytes;
        if (taken < chunk.size()) {
          return new Progress(chunk.get(taken).offset(), skippedFrom, from, count, takenBytes);
        }
      }
      next = chunkEnd;
    } finally {
      r.release();
    }
    return new Progress(next, skippedFrom, from, count, takenBytes);
  }
}
