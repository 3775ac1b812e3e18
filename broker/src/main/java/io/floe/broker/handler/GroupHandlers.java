package io.floe.broker.handler;

import io.floe.broker.group.GroupCoordinator;
import io.floe.broker.group.GroupRequestContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

/**
 * The consumer group APIs, one handler each, all served by the {@link GroupCoordinator}: a handler only
 * unwraps the request data and wraps the coordinator's response data.
 */
public final class GroupHandlers {

  /** OffsetCommit and OffsetFetch v10 name topics by id; the coordinator keys offsets by topic name. */
  private static final short BY_NAME_OFFSET_VERSION = 9;

  private GroupHandlers() {}

  private static <R extends AbstractRequest> ApiHandler<R> capped(ApiHandler<R> h, short maxVersion) {
    return new ApiHandler<>() {
      @Override
      public ApiKeys apiKey() {
        return h.apiKey();
      }

      @Override
      public short maxVersion() {
        return maxVersion;
      }

      @Override
      public CompletableFuture<Response> handle(RequestContext context, R request) {
        return h.handle(context, request);
      }
    };
  }

  /** Every group API handler over the coordinator {@code c} supplies at each request (it changes on failover). */
  public static List<ApiHandler<?>> all(java.util.function.Supplier<GroupCoordinator> c) {
    return List.of(
        versioned(ApiKeys.JOIN_GROUP, JoinGroupRequest.class, r -> r.data(), (ctx, d) -> c.get().joinGroup(ctx, d), JoinGroupResponse::new),
        handler(ApiKeys.SYNC_GROUP, SyncGroupRequest.class, r -> r.data(), (ctx, d) -> c.get().syncGroup(ctx, d), SyncGroupResponse::new),
        handler(ApiKeys.HEARTBEAT, HeartbeatRequest.class, r -> r.data(), (ctx, d) -> c.get().heartbeat(ctx, d), HeartbeatResponse::new),
        handler(ApiKeys.LEAVE_GROUP, LeaveGroupRequest.class, r -> r.data(), (ctx, d) -> c.get().leaveGroup(ctx, d), LeaveGroupResponse::new),
        capped(handler(ApiKeys.OFFSET_COMMIT, OffsetCommitRequest.class, r -> r.data(), (ctx, d) -> c.get().commitOffsets(ctx, d),
            OffsetCommitResponse::new), BY_NAME_OFFSET_VERSION),
        capped(versioned(ApiKeys.OFFSET_FETCH, OffsetFetchRequest.class, r -> r.data(), (ctx, d) -> c.get().fetchOffsets(ctx, d),
            OffsetFetchResponse::new), BY_NAME_OFFSET_VERSION),
        handler(ApiKeys.OFFSET_DELETE, OffsetDeleteRequest.class, r -> r.data(), (ctx, d) -> c.get().deleteOffsets(ctx, d), OffsetDeleteResponse::new),
        handler(ApiKeys.LIST_GROUPS, ListGroupsRequest.class, r -> r.data(), (ctx, d) -> c.get().listGroups(ctx, d), ListGroupsResponse::new),
        handler(ApiKeys.DESCRIBE_GROUPS, DescribeGroupsRequest.class, r -> r.data(), (ctx, d) -> c.get().describeGroups(ctx, d),
            DescribeGroupsResponse::new),
        handler(ApiKeys.DELETE_GROUPS, DeleteGroupsRequest.class, r -> r.data(), (ctx, d) -> c.get().deleteGroups(ctx, d), DeleteGroupsResponse::new));
  }

  private static <R extends AbstractRequest, D, S extends ApiMessage> ApiHandler<R> handler(
      ApiKeys key,
      Class<R> type,
      Function<R, D> data,
      BiFunction<GroupRequestContext, D, CompletableFuture<S>> serve,
      Function<S, AbstractResponse> wrap) {
    return versioned(key, type, data, serve, (S s, Short v) -> wrap.apply(s));
  }

  private static <R extends AbstractRequest, D, S extends ApiMessage> ApiHandler<R> versioned(
      ApiKeys key,
      Class<R> type,
      Function<R, D> data,
      BiFunction<GroupRequestContext, D, CompletableFuture<S>> serve,
      BiFunction<S, Short, AbstractResponse> wrap) {
    return new ApiHandler<>() {
      @Override
      public ApiKeys apiKey() {
        return key;
      }

      @Override
      public CompletableFuture<Response> handle(RequestContext context, R request) {
        GroupRequestContext gc = new GroupRequestContext(context.apiVersion(), context.clientId(), "/" + context.clientHost());
        short version = context.apiVersion();
        return serve.apply(gc, data.apply(request)).thenApply(s -> Response.of(wrap.apply(s, version)));
      }

      @Override
      public String toString() {
        return key + " handler (" + type.getSimpleName() + ")";
      }
    };
  }
}
