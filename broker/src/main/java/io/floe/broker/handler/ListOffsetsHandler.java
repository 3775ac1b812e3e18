package io.floe.broker.handler;

import io.floe.broker.log.LogManager;
import io.floe.broker.log.PartitionLog;
import io.floe.broker.log.TopicState;
import io.floe.storage.stream.ReadResult;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;

/**
 * Earliest, latest, and by-timestamp offsets. A timestamp lookup finds the first batch whose max timestamp
 * reaches the target through the stream's index, then the first record in it that does (the one batch is
 * decompressed here, off the produce path).
 */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequest> {

  private final LogManager logs;

  public ListOffsetsHandler(LogManager logs) {
    this.logs = logs;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.LIST_OFFSETS;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, ListOffsetsRequest request) {
    List<CompletableFuture<ListOffsetsPartitionResponse>> all = new ArrayList<>();
    ListOffsetsResponseData out = new ListOffsetsResponseData();
    for (ListOffsetsTopic lt : request.data().topics()) {
      ListOffsetsTopicResponse tr = new ListOffsetsTopicResponse().setName(lt.name());
      out.topics().add(tr);
      Optional<TopicState> topic = logs.topic(lt.name());
      for (ListOffsetsPartition lp : lt.partitions()) {
        PartitionLog log = topic.map(t -> t.partition(lp.partitionIndex())).orElse(null);
        CompletableFuture<ListOffsetsPartitionResponse> f = log == null
            ? CompletableFuture.completedFuture(error(lp.partitionIndex(), topic
                .map(t -> t.notServedError(lp.partitionIndex())).orElse(Errors.UNKNOWN_TOPIC_OR_PARTITION)))
            : lookup(log, lp.timestamp()).thenApply(r -> r.setPartitionIndex(lp.partitionIndex()));
        all.add(f.thenApply(r -> {
          synchronized (tr) {
            tr.partitions().add(r);
          }
          return r;
        }));
      }
    }
    boolean withEpoch = context.apiVersion() >= 4;
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
      if (withEpoch) {
        // Every partition has one leader epoch (0); older versions have no such field.
        out.topics().forEach(t -> t.partitions().forEach(p -> {
          if (p.errorCode() == Errors.NONE.code() && p.offset() >= 0) {
            p.setLeaderEpoch(0);
          }
        }));
      }
      return Response.of(new ListOffsetsResponse(out));
    });
  }

  private static ListOffsetsPartitionResponse error(int partition, Errors error) {
    return new ListOffsetsPartitionResponse().setPartitionIndex(partition).setErrorCode(error.code())
        .setOffset(-1).setTimestamp(-1);
  }

  private static ListOffsetsPartitionResponse found(long offset, long timestamp) {
    return new ListOffsetsPartitionResponse().setErrorCode(Errors.NONE.code()).setOffset(offset)
        .setTimestamp(timestamp);
  }

  private CompletableFuture<ListOffsetsPartitionResponse> lookup(PartitionLog log, long timestamp) {
    if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
      return CompletableFuture.completedFuture(found(log.highWatermark(), -1));
    }
    if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
      return CompletableFuture.completedFuture(found(log.logStartOffset(), -1));
    }
    if (timestamp == ListOffsetsRequest.MAX_TIMESTAMP) {
      return maxTimestamp(log);
    }
    if (timestamp < 0) {
      // LATEST_TIERED and other tiered-storage specs: Floe has no separate tier, so there is no such offset.
      return CompletableFuture.completedFuture(found(-1, -1));
    }
    return log.stream().offsetForTimestamp(timestamp).thenCompose(batchOffset -> {
      if (batchOffset < 0) {
        return CompletableFuture.completedFuture(found(-1, -1));
      }
      return firstRecordAtOrAfter(log, Math.max(batchOffset, log.logStartOffset()), timestamp);
    });
  }

  private static CompletableFuture<ListOffsetsPartitionResponse> firstRecordAtOrAfter(PartitionLog log, long from, long timestamp) {
    if (from >= log.highWatermark()) {
      return CompletableFuture.completedFuture(found(-1, -1));
    }
    return log.read(from, 1).thenCompose(r -> {
      try {
        for (ByteBuf b : r.batches()) {
          for (RecordBatch batch : MemoryRecords.readableRecords(b.nioBuffer()).batches()) {
            if (batch.maxTimestamp() < timestamp) {
              continue;
            }
            for (Record rec : batch) {
              if (rec.offset() >= from && rec.timestamp() >= timestamp) {
                return CompletableFuture.completedFuture(found(rec.offset(), rec.timestamp()));
              }
            }
          }
        }
        long next = nextOffset(r, from);
        return firstRecordAtOrAfter(log, next, timestamp);
      } finally {
        r.release();
      }
    });
  }

  /** The offset after the last batch in {@code r} (batches are whole, so this is the next batch's base). */
  private static long nextOffset(ReadResult r, long from) {
    long next = from + 1;
    for (ByteBuf b : r.batches()) {
      for (RecordBatch batch : MemoryRecords.readableRecords(b.nioBuffer()).batches()) {
        next = Math.max(next, batch.lastOffset() + 1);
      }
    }
    return next;
  }

  /** The record with the largest timestamp (the earliest such record if several share it). */
  private static CompletableFuture<ListOffsetsPartitionResponse> maxTimestamp(PartitionLog log) {
    long start = log.logStartOffset();
    long end = log.highWatermark();
    if (start >= end) {
      return CompletableFuture.completedFuture(found(-1, -1));
    }
    return scanMax(log, start, end, found(-1, -1));
  }

  private static CompletableFuture<ListOffsetsPartitionResponse> scanMax(
      PartitionLog log, long from, long end, ListOffsetsPartitionResponse best) {
    if (from >= end) {
      return CompletableFuture.completedFuture(best);
    }
    return log.read(from, 4 << 20).thenCompose(r -> {
      ListOffsetsPartitionResponse b = best;
      try {
        for (ByteBuf buf : r.batches()) {
          for (RecordBatch batch : MemoryRecords.readableRecords(buf.nioBuffer()).batches()) {
            if (batch.maxTimestamp() > b.timestamp()) {
              for (Record rec : batch) {
                if (rec.timestamp() > b.timestamp()) {
                  b = found(rec.offset(), rec.timestamp());
                }
              }
            }
          }
        }
        return scanMax(log, nextOffset(r, from), end, b);
      } finally {
        r.release();
      }
    });
  }
}
