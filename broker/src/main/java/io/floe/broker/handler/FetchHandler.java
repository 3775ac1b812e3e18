package io.floe.broker.handler;

import io.floe.broker.log.LogManager;
import io.floe.broker.log.PartitionLog;
import io.floe.broker.log.TopicState;
import io.floe.storage.stream.OffsetOutOfRangeException;
import io.floe.storage.stream.ReadResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.utils.Time;

/**
 * Serves fetches from durable data only (below the high watermark), with Kafka's limits: at most
 * {@code partitionMaxBytes} per partition and {@code maxBytes} in all, except that the first non-empty
 * partition always returns at least one whole batch. When less than {@code minBytes} is available the
 * fetch waits (long poll) until an append is confirmed or {@code maxWaitMs} passes. Batches go out as
 * slices of the cached buffers, released once the response is written.
 *
 * <p>Fetch sessions (KIP-227) are not created: the session id is always 0, so clients send full fetches.
 */
public final class FetchHandler implements ApiHandler<FetchRequest> {

  private final LogManager logs;
  private final ScheduledExecutorService timer;
  private final Time time;

  public FetchHandler(LogManager logs, ScheduledExecutorService timer, Time time) {
    this.logs = logs;
    this.timer = timer;
    this.time = time;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.FETCH;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, FetchRequest request) {
    FetchRequestData data = request.data();
    boolean byId = context.apiVersion() >= 13;
    List<FetchableTopicResponse> topics = new ArrayList<>();
    List<Target> targets = new ArrayList<>();
    for (FetchRequestData.FetchTopic ft : data.topics()) {
      FetchableTopicResponse tr = new FetchableTopicResponse().setTopic(ft.topic()).setTopicId(ft.topicId());
      topics.add(tr);
      Optional<TopicState> topic = byId ? logs.topic(ft.topicId()) : logs.topic(ft.topic());
      for (FetchRequestData.FetchPartition fp : ft.partitions()) {
        PartitionData pd = new PartitionData().setPartitionIndex(fp.partition());
        tr.partitions().add(pd);
        PartitionLog log = topic.map(t -> t.partition(fp.partition())).orElse(null);
        if (log == null) {
          Errors error = topic.isEmpty()
              ? (byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION)
              : topic.get().notServedError(fp.partition());
          pd.setErrorCode(error.code())
              .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1).setRecords(MemoryRecords.EMPTY);
        } else {
          targets.add(new Target(pd, log, fp.fetchOffset(), Math.max(0, fp.partitionMaxBytes())));
        }
      }
    }
    FetchResponseData response = new FetchResponseData().setSessionId(0).setResponses(topics);
    Operation op = new Operation(response, targets, data.minBytes(), Math.max(0, data.maxBytes()),
        time.milliseconds() + Math.max(0, data.maxWaitMs()));
    op.attempt();
    return op.result;
  }

  /** One requested partition that exists here. */
  private static final class Target {
    final PartitionData out;
    final PartitionLog log;
    final long offset;
    final int maxBytes;
    ReadResult read;

    Target(PartitionData out, PartitionLog log, long offset, int maxBytes) {
      this.out = out;
      this.log = log;
      this.offset = offset;
      this.maxBytes = maxBytes;
    }

    boolean outOfRange() {
      return offset < log.logStartOffset() || offset > log.highWatermark();
    }

    boolean hasData() {
      return offset < log.highWatermark();
    }
  }

  /** A fetch in progress: reads, and waits for appends while too little is available. */
  private final class Operation {
    final CompletableFuture<Response> result = new CompletableFuture<>();
    final FetchResponseData response;
    final List<Target> targets;
    final int minBytes;
    final int maxBytes;
    final long deadlineMs;

    Operation(FetchResponseData response, List<Target> targets, int minBytes, int maxBytes, long deadlineMs) {
      this.response = response;
      this.targets = targets;
      this.minBytes = minBytes;
      this.maxBytes = maxBytes;
      this.deadlineMs = deadlineMs;
    }

    void attempt() {
      boolean expired = time.milliseconds() >= deadlineMs;
      if (expired || targets.isEmpty() || targets.stream().anyMatch(t -> t.hasData() || t.outOfRange())) {
        readAll().whenComplete((bytes, error) -> {
          if (error != null) {
            releaseReads();
            result.completeExceptionally(error);
          } else if (bytes >= minBytes || expired || targets.isEmpty() || time.milliseconds() >= deadlineMs) {
            finish();
          } else {
            releaseReads();
            waitForData();
          }
        });
      } else {
        waitForData();
      }
    }

    /** Wakes on the first confirmed append to any target, or at the deadline; then tries again. */
    void waitForData() {
      AtomicBoolean fired = new AtomicBoolean();
      List<Runnable> registered = new ArrayList<>();
      ScheduledFuture<?>[] timeout = new ScheduledFuture<?>[1];
      Runnable wake = () -> {
        if (fired.compareAndSet(false, true)) {
          for (int i = 0; i < targets.size(); i++) {
            targets.get(i).log.stream().removeConfirmListener(registered.get(i));
          }
          if (timeout[0] != null) {
            timeout[0].cancel(false);
          }
          timer.execute(this::attempt);
        }
      };
      for (Target t : targets) {
        Runnable listener = () -> {
          if (t.hasData()) {
            wake.run();
          }
        };
        registered.add(listener);
        t.log.stream().addConfirmListener(listener);
      }
      timeout[0] = timer.schedule(wake, Math.max(0, deadlineMs - time.milliseconds()), TimeUnit.MILLISECONDS);
      // An append confirmed between the check and the registration must not be missed.
      if (targets.stream().anyMatch(Target::hasData)) {
        wake.run();
      }
    }

    /**
     * Reads every target within the byte budgets; completes with the bytes read. When the partitions' limits
     * together fit in {@code maxBytes} (the common case: 1 MiB per partition, 50 MiB in all) no budget can
     * bind, so the partitions are read in parallel; otherwise in order, each taking what the previous left.
     */
    CompletableFuture<Integer> readAll() {
      long sum = 0;
      for (Target t : targets) {
        sum += t.maxBytes;
      }
      if (sum <= maxBytes) {
        List<CompletableFuture<Integer>> reads = new ArrayList<>(targets.size());
        for (Target t : targets) {
          reads.add(read(t, 0, t.maxBytes));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> {
          int total = 0;
          for (CompletableFuture<Integer> r : reads) {
            total += r.join();
          }
          return total;
        });
      }
      CompletableFuture<Integer> chain = CompletableFuture.completedFuture(0);
      for (Target t : targets) {
        chain = chain.thenCompose(total -> read(t, total).thenApply(n -> total + n));
      }
      return chain;
    }

    private CompletableFuture<Integer> read(Target t, int total) {
      int budget = total == 0 ? Math.max(1, t.maxBytes) : Math.min(t.maxBytes, maxBytes - total);
      return read(t, total, budget);
    }

    /** Reads one target within {@code budget}; completes with the bytes it took (0 if none or over budget). */
    private CompletableFuture<Integer> read(Target t, int total, int budget) {
      t.read = null;
      if (t.outOfRange() || !t.hasData() || budget <= 0) {
        return CompletableFuture.completedFuture(0);
      }
      return t.log.read(t.offset, budget).handle((r, error) -> {
        if (error != null) {
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          if (cause instanceof OffsetOutOfRangeException) {
            return 0;
          }
          throw new CompletionException(cause);
        }
        if (total > 0 && r.totalBytes() > budget) {
          r.release();
          return 0;
        }
        t.read = r;
        return r.totalBytes();
      });
    }

    void releaseReads() {
      for (Target t : targets) {
        if (t.read != null) {
          t.read.release();
          t.read = null;
        }
      }
    }

    void finish() {
      List<ReadResult> reads = new ArrayList<>();
      for (Target t : targets) {
        long hw = t.log.highWatermark();
        t.out.setHighWatermark(hw).setLastStableOffset(hw).setLogStartOffset(t.log.logStartOffset());
        if (t.read != null) {
          reads.add(t.read);
          t.out.setErrorCode(Errors.NONE.code()).setRecords(new BatchListRecords(t.read.batches()));
        } else if (t.outOfRange()) {
          t.out.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setRecords(MemoryRecords.EMPTY);
        } else {
          t.out.setErrorCode(Errors.NONE.code()).setRecords(MemoryRecords.EMPTY);
        }
      }
      result.complete(Response.of(FetchResponse.of(response), () -> reads.forEach(ReadResult::release)));
    }
  }
}
