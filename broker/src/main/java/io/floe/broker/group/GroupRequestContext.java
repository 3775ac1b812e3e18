package io.floe.broker.group;

/**
 * What the coordinator needs to know about a request besides its body.
 *
 * @param apiVersion the version the request was sent with; it decides request semantics (MEMBER_ID_REQUIRED
 *     from JoinGroup v4, batch leave from LeaveGroup v3, multi-group OffsetFetch from v8, ...) and the
 *     shape of the response
 * @param clientId the client id from the request header; a missing (null) header client id is read as ""
 * @param clientHost the client's address as Kafka shows it in DescribeGroups, e.g. {@code /127.0.0.1}
 */
public record GroupRequestContext(short apiVersion, String clientId, String clientHost) {

  public GroupRequestContext {
    if (apiVersion < 0) {
      throw new IllegalArgumentException("Cannot create a group request context: negative API version " + apiVersion);
    }
    clientId = clientId == null ? "" : clientId;
    if (clientHost == null) {
      throw new IllegalArgumentException("Cannot create a group request context: client host is null");
    }
  }
}
