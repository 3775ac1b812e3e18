package io.floe.broker.group;

import io.floe.storage.metadata.GroupOffsetStore;
import io.floe.storage.metadata.OwnerFence;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's coordinator for every consumer group, speaking Kafka's classic group protocol (JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup) and the offset and admin group APIs.
 *
 * <p><b>Threading.</b> An async facade in front of a single-threaded state machine: each call hands the
 * decoded request to the coordinator thread and returns at once, never blocking the caller. Futures
 * complete on the coordinator thread (or, for offset writes while shutting down, on the offset store
 * thread); dependents must not block, e.g. only write to a Netty channel. JoinGroup and SyncGroup complete
 * when the rebalance gets there, which can be minutes later. Blocking offset store calls (JDBC) run on a
 * separate single thread with a bounded queue, so a slow store delays commits but never heartbeats.
 *
 * <p><b>Errors.</b> Futures always complete normally, with a response of the request's version whose error
 * codes say what happened: COORDINATOR_LOAD_IN_PROGRESS until {@link #start()} has loaded the committed
 * offsets, COORDINATOR_NOT_AVAILABLE if loading failed or the store cannot be written, NOT_COORDINATOR
 * after {@link #shutdown()}, UNKNOWN_SERVER_ERROR for a bug (logged). The caller only sets the throttle
 * time and serializes.
 *
 * <p><b>Durability.</b> Committed offsets are durable (answered once the {@link GroupOffsetStore} has them)
 * and survive a restart, after which groups that have offsets show as Empty. Membership and generations are
 * not persisted: after a restart members get UNKNOWN_MEMBER_ID and rejoin, as after a coordinator move.
 *
 * <p><b>Topic ids.</b> Topics are addressed by name. OffsetCommit and OffsetFetch v10 (topic ids, unstable
 * in Kafka 4.1) need the handler to fill in each topic's name from its id (empty if unknown) and, for
 * "all topics" fetches, the ids of the returned names.
 */
public final class GroupCoordinator {

  private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

  /** Lifecycle: CREATED → LOADING → ACTIVE | LOAD_FAILED; any → CLOSED. */
  private enum Phase {
    CREATED(Errors.COORDINATOR_LOAD_IN_PROGRESS),
    LOADING(Errors.COORDINATOR_LOAD_IN_PROGRESS),
    ACTIVE(Errors.NONE),
    LOAD_FAILED(Errors.COORDINATOR_NOT_AVAILABLE),
    CLOSED(Errors.NOT_COORDINATOR);

    /** What a request is answered with in this phase, NONE if it is served. */
    final Errors requestError;

    Phase(Errors requestError) {
      this.requestError = requestError;
    }
  }

  private final GroupCoordinatorConfig config;
  private final GroupEventLoop loop;
  private final OffsetStoreWorker storeWorker;
  private final GroupStateMachine stateMachine;
  private final CommittedOffsets offsets;
  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.CREATED);

  private GroupCoordinator(GroupCoordinatorConfig config, GroupEventLoop loop, OffsetStoreWorker storeWorker) {
    this.config = config;
    this.loop = loop;
    this.storeWorker = storeWorker;
    this.stateMachine = new GroupStateMachine(config, loop);
    this.offsets = new CommittedOffsets(config, loop, stateMachine, storeWorker);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads the committed offsets of all groups from the store, then starts serving. Until the returned
   * future completes, requests are answered with COORDINATOR_LOAD_IN_PROGRESS (clients retry). Completes
   * exceptionally if the store cannot be read; the coordinator then answers COORDINATOR_NOT_AVAILABLE.
   */
  public CompletableFuture<Void> start() {
    if (!phase.compareAndSet(Phase.CREATED, Phase.LOADING)) {
      throw new IllegalStateException("Cannot start the group coordinator: it is " + phase.get());
    }
    CompletableFuture<Void> started = new CompletableFuture<>();
    offsets
        .readAll()
        .whenComplete(
            (all, failure) -> {
              if (failure != null) {
                LOG.error("Cannot load committed group offsets; the group coordinator is unavailable", failure);
                phase.compareAndSet(Phase.LOADING, Phase.LOAD_FAILED);
                started.completeExceptionally(failure);
                return;
              }
              try {
                loop.execute(
                    () -> {
                      stateMachine.load(all);
                      stateMachine.startUnusedGroupCleanup();
                      if (phase.compareAndSet(Phase.LOADING, Phase.ACTIVE)) {
                        started.complete(null);
                      } else {
                        started.completeExceptionally(
                            new IllegalStateException("The group coordinator shut down while loading"));
                      }
                    });
              } catch (RejectedExecutionException e) {
                started.completeExceptionally(e);
              }
            });
    return started;
  }

  /**
   * JoinGroup v0-v9. Completes when the join phase of the rebalance completes, or at once for errors,
   * MEMBER_ID_REQUIRED (v4+ first join) and rejoins that change nothing.
   */
  public CompletableFuture<JoinGroupResponseData> joinGroup(
      GroupRequestContext context, JoinGroupRequestData request) {
    return submit(
            "JoinGroup",
            context,
            request,
            error -> GroupApiResponses.joinError(request, error),
            future -> stateMachine.joinGroup(context, request, future))
        .thenApply(response -> GroupApiResponses.forVersion(response, context.apiVersion()));
  }

  /** SyncGroup v0-v5. A follower's response waits for the leader's SyncGroup. */
  public CompletableFuture<SyncGroupResponseData> syncGroup(
      GroupRequestContext context, SyncGroupRequestData request) {
    return submit(
        "SyncGroup",
        context,
        request,
        GroupApiResponses::syncError,
        future -> stateMachine.syncGroup(request, future));
  }

  /** Heartbeat v0-v4. */
  public CompletableFuture<HeartbeatResponseData> heartbeat(
      GroupRequestContext context, HeartbeatRequestData request) {
    return submitSync(
        "Heartbeat", context, request, GroupApiResponses::heartbeatError, () -> stateMachine.heartbeat(request));
  }

  /** LeaveGroup v0-v5 (a batch of members from v3; the single member's outcome as top-level error before). */
  public CompletableFuture<LeaveGroupResponseData> leaveGroup(
      GroupRequestContext context, LeaveGroupRequestData request) {
    return submitSync(
            "LeaveGroup",
            context,
            request,
            GroupApiResponses::leaveError,
            () -> stateMachine.leaveGroup(context, request))
        .thenApply(response -> GroupApiResponses.leaveForVersion(response, context.apiVersion()));
  }

  /** OffsetCommit v2-v10. Completes once the offsets are in the store. */
  public CompletableFuture<OffsetCommitResponseData> commitOffsets(
      GroupRequestContext context, OffsetCommitRequestData request) {
    return submit(
        "OffsetCommit",
        context,
        request,
        error -> GroupApiResponses.commitError(request, error),
        future -> offsets.commit(context, request, future));
  }

  /**
   * OffsetFetch v1-v10: one group (v1-v7) or several (v8+); a null topic list means all committed topics.
   * Partitions without a committed offset get offset -1. Served from memory; {@code requireStable} is
   * accepted and always satisfied, there being no transactional offsets.
   */
  public CompletableFuture<OffsetFetchResponseData> fetchOffsets(
      GroupRequestContext context, OffsetFetchRequestData request) {
    return submitSync(
        "OffsetFetch",
        context,
        request,
        error -> GroupApiResponses.fetchError(request, context.apiVersion(), error),
        () -> offsets.fetch(context, request));
  }

  /** OffsetDelete v0. GROUP_SUBSCRIBED_TO_TOPIC for topics the group's consumers currently subscribe to. */
  public CompletableFuture<OffsetDeleteResponseData> deleteOffsets(
      GroupRequestContext context, OffsetDeleteRequestData request) {
    return submit(
        "OffsetDelete",
        context,
        request,
        GroupApiResponses::offsetDeleteError,
        future -> offsets.deleteOffsets(request, future));
  }

  /** ListGroups v0-v5, with the states filter (v4+) and types filter (v5+; all groups are "classic"). */
  public CompletableFuture<ListGroupsResponseData> listGroups(
      GroupRequestContext context, ListGroupsRequestData request) {
    return submitSync(
        "ListGroups", context, request, GroupApiResponses::listError, () -> stateMachine.listGroups(request));
  }

  /**
   * DescribeGroups v0-v6. Member metadata and assignments are filled in for Stable groups only, as Kafka
   * does. {@code AuthorizedOperations} is left for the caller to fill in.
   */
  public CompletableFuture<DescribeGroupsResponseData> describeGroups(
      GroupRequestContext context, DescribeGroupsRequestData request) {
    return submitSync(
        "DescribeGroups",
        context,
        request,
        error -> GroupApiResponses.describeError(request, error),
        () -> stateMachine.describeGroups(context, request));
  }

  /** DeleteGroups v0-v2: only Empty groups (NON_EMPTY_GROUP otherwise); their offsets go too. */
  public CompletableFuture<DeleteGroupsResponseData> deleteGroups(
      GroupRequestContext context, DeleteGroupsRequestData request) {
    return submit(
        "DeleteGroups",
        context,
        request,
        error -> GroupApiResponses.deleteGroupsError(request, error),
        future -> offsets.deleteGroups(request, future));
  }

  /**
   * Forgets all groups' committed offsets of deleted topics. Completes exceptionally if the store fails or
   * the coordinator is not active.
   */
  public CompletableFuture<Void> onTopicsDeleted(Collection<String> topics) {
    Objects.requireNonNull(topics, "topics");
    CompletableFuture<Void> future = new CompletableFuture<>();
    try {
      loop.execute(
          () -> {
            Phase current = phase.get();
            if (current != Phase.ACTIVE) {
              future.completeExceptionally(
                  new IllegalStateException("Cannot delete topic offsets: the group coordinator is " + current));
              return;
            }
            offsets.deleteTopics(topics, future);
          });
    } catch (RejectedExecutionException e) {
      future.completeExceptionally(e);
    }
    return future;
  }

  /**
   * Stops serving: pending JoinGroup/SyncGroup requests and every later request get NOT_COORDINATOR (clients
   * look for the coordinator again), queued offset store calls run (up to the configured shutdown timeout),
   * then both threads stop. Idempotent; blocks the caller for at most twice the shutdown timeout.
   */
  public void shutdown() {
    if (phase.getAndSet(Phase.CLOSED) == Phase.CLOSED) {
      return;
    }
    try {
      loop.execute(() -> stateMachine.shutdown(Errors.NOT_COORDINATOR));
    } catch (RejectedExecutionException e) {
      LOG.debug("Group coordinator loop already stopped", e);
    }
    storeWorker.shutdown(config.shutdownTimeoutMs());
    if (!loop.shutdown(config.shutdownTimeoutMs())) {
      LOG.warn("The group coordinator thread did not stop within {} ms", config.shutdownTimeoutMs());
    }
  }

  // ---- dispatch ------------------------------------------------------------------------------------------

  private <R> CompletableFuture<R> submit(
      String api,
      GroupRequestContext context,
      Object request,
      Function<Errors, R> errorResponse,
      Consumer<CompletableFuture<R>> handler) {
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(request, "request");
    CompletableFuture<R> future = new CompletableFuture<>();
    Runnable task =
        () -> {
          Errors unavailable = phase.get().requestError;
          if (unavailable != Errors.NONE) {
            future.complete(errorResponse.apply(unavailable));
            return;
          }
          try {
            handler.accept(future);
          } catch (RuntimeException e) {
            LOG.error("Unexpected failure handling {} v{} from client {}", api, context.apiVersion(),
                context.clientId(), e);
            future.complete(errorResponse.apply(Errors.UNKNOWN_SERVER_ERROR));
          }
        };
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      future.complete(errorResponse.apply(Errors.NOT_COORDINATOR));
    }
    return future;
  }

  private <R> CompletableFuture<R> submitSync(
      String api,
      GroupRequestContext context,
      Object request,
      Function<Errors, R> errorResponse,
      Supplier<R> handler) {
    return submit(api, context, request, errorResponse, future -> future.complete(handler.get()));
  }

  /** Builds a {@link GroupCoordinator}; only the offset store is required. */
  public static final class Builder {
    private GroupCoordinatorConfig config = GroupCoordinatorConfig.defaults();
    private GroupOffsetStore offsetStore;
    private GroupEventLoop eventLoop;
    private Executor offsetStoreExecutor;
    private OwnerFence offsetFence;

    private Builder() {}

    public Builder config(GroupCoordinatorConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    public Builder offsetStore(GroupOffsetStore offsetStore) {
      this.offsetStore = Objects.requireNonNull(offsetStore, "offsetStore");
      return this;
    }

    /**
     * Commits and deletes offsets and groups only while {@code fence} holds (checked in the store's transaction): a
     * coordinator that lost its place to another broker, even one paused and resumed without noticing, then writes
     * nothing and answers NOT_COORDINATOR. Default none: a lone broker's writes are not checked.
     */
    public Builder offsetFence(OwnerFence fence) {
      this.offsetFence = Objects.requireNonNull(fence, "fence");
      return this;
    }

    /** Replaces the coordinator thread and clock (tests use fake time). The coordinator shuts it down. */
    Builder eventLoop(GroupEventLoop eventLoop) {
      this.eventLoop = Objects.requireNonNull(eventLoop, "eventLoop");
      return this;
    }

    /**
     * Runs offset store calls on {@code executor}, which must run them one at a time in submission order,
     * instead of on a dedicated thread. Not shut down by the coordinator.
     */
    Builder offsetStoreExecutor(Executor executor) {
      this.offsetStoreExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    public GroupCoordinator build() {
      if (offsetStore == null) {
        throw new IllegalStateException("Cannot build the group coordinator: no offset store was set");
      }
      GroupEventLoop loop = eventLoop != null ? eventLoop : new SingleThreadGroupEventLoop();
      GroupOffsetStore store = offsetFence != null ? new FencedGroupOffsetStore(offsetStore, offsetFence) : offsetStore;
      OffsetStoreWorker worker =
          offsetStoreExecutor != null
              ? OffsetStoreWorker.on(store, offsetStoreExecutor)
              : OffsetStoreWorker.dedicatedThread(store, config.maxQueuedOffsetStoreOperations());
      return new GroupCoordinator(config, loop, worker);
    }
  }
}
