package io.floe.catalog.rest.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.iceberg.rest.Endpoint;
import org.apache.iceberg.rest.RESTRequest;
import org.apache.iceberg.rest.requests.CommitTransactionRequest;
import org.apache.iceberg.rest.requests.CreateNamespaceRequest;
import org.apache.iceberg.rest.requests.CreateTableRequest;
import org.apache.iceberg.rest.requests.CreateViewRequest;
import org.apache.iceberg.rest.requests.RegisterTableRequest;
import org.apache.iceberg.rest.requests.RegisterViewRequest;
import org.apache.iceberg.rest.requests.RenameTableRequest;
import org.apache.iceberg.rest.requests.ReportMetricsRequest;
import org.apache.iceberg.rest.requests.UpdateNamespacePropertiesRequest;
import org.apache.iceberg.rest.requests.UpdateTableRequest;

/**
 * The Iceberg REST catalog routes Floe serves: method, path template (as in the OpenAPI spec, without
 * the optional {@code {prefix}}), and the JSON request body class. The templates are Iceberg's own
 * {@link Endpoint} constants, so the {@code /v1/config} answer advertises exactly what is routed.
 */
public enum Route {
  CONFIG("GET", "/v1/config", null, Group.ALWAYS),
  LIST_NAMESPACES(Endpoint.V1_LIST_NAMESPACES, null, Group.NAMESPACES),
  CREATE_NAMESPACE(Endpoint.V1_CREATE_NAMESPACE, CreateNamespaceRequest.class, Group.NAMESPACES),
  NAMESPACE_EXISTS(Endpoint.V1_NAMESPACE_EXISTS, null, Group.NAMESPACES),
  LOAD_NAMESPACE(Endpoint.V1_LOAD_NAMESPACE, null, Group.NAMESPACES),
  DROP_NAMESPACE(Endpoint.V1_DELETE_NAMESPACE, null, Group.NAMESPACES),
  UPDATE_NAMESPACE(Endpoint.V1_UPDATE_NAMESPACE, UpdateNamespacePropertiesRequest.class, Group.NAMESPACES),
  LIST_TABLES(Endpoint.V1_LIST_TABLES, null, Group.ALWAYS),
  CREATE_TABLE(Endpoint.V1_CREATE_TABLE, CreateTableRequest.class, Group.ALWAYS),
  TABLE_EXISTS(Endpoint.V1_TABLE_EXISTS, null, Group.ALWAYS),
  LOAD_TABLE(Endpoint.V1_LOAD_TABLE, null, Group.ALWAYS),
  UPDATE_TABLE(Endpoint.V1_UPDATE_TABLE, UpdateTableRequest.class, Group.ALWAYS),
  DROP_TABLE(Endpoint.V1_DELETE_TABLE, null, Group.ALWAYS),
  REGISTER_TABLE(Endpoint.V1_REGISTER_TABLE, RegisterTableRequest.class, Group.ALWAYS),
  RENAME_TABLE(Endpoint.V1_RENAME_TABLE, RenameTableRequest.class, Group.ALWAYS),
  REPORT_METRICS(Endpoint.V1_REPORT_METRICS, ReportMetricsRequest.class, Group.ALWAYS),
  COMMIT_TRANSACTION(Endpoint.V1_COMMIT_TRANSACTION, CommitTransactionRequest.class, Group.ALWAYS),
  LIST_VIEWS(Endpoint.V1_LIST_VIEWS, null, Group.VIEWS),
  CREATE_VIEW(Endpoint.V1_CREATE_VIEW, CreateViewRequest.class, Group.VIEWS),
  VIEW_EXISTS(Endpoint.V1_VIEW_EXISTS, null, Group.VIEWS),
  LOAD_VIEW(Endpoint.V1_LOAD_VIEW, null, Group.VIEWS),
  UPDATE_VIEW(Endpoint.V1_UPDATE_VIEW, UpdateTableRequest.class, Group.VIEWS),
  DROP_VIEW(Endpoint.V1_DELETE_VIEW, null, Group.VIEWS),
  RENAME_VIEW(Endpoint.V1_RENAME_VIEW, RenameTableRequest.class, Group.VIEWS),
  REGISTER_VIEW(Endpoint.V1_REGISTER_VIEW, RegisterViewRequest.class, Group.VIEWS);

  /** Which capability of the backing catalog a route needs. */
  public enum Group { ALWAYS, NAMESPACES, VIEWS }

  private final String method;
  private final String template;
  private final List<String> segments;
  private final Class<? extends RESTRequest> requestClass;
  private final Group group;

  Route(Endpoint endpoint, Class<? extends RESTRequest> requestClass, Group group) {
    this(endpoint.httpMethod(), endpoint.path(), requestClass, group);
  }

  Route(String method, String template, Class<? extends RESTRequest> requestClass, Group group) {
    this.method = method;
    this.template = template;
    this.segments = split(template.replace("/{prefix}", ""));
    this.requestClass = requestClass;
    this.group = group;
  }

  public String method() {
    return method;
  }

  /** The OpenAPI path template, e.g. {@code /v1/{prefix}/namespaces/{namespace}}. */
  public String template() {
    return template;
  }

  /** The JSON body this route reads, or null if it reads none. */
  public Class<? extends RESTRequest> requestClass() {
    return requestClass;
  }

  public Group group() {
    return group;
  }

  public Endpoint endpoint() {
    return Endpoint.create(method, template);
  }

  /** A route that matched a request: the route and its path variables, still URL-encoded. */
  public record Match(Route route, Map<String, String> pathVariables) {}

  /**
   * The route for a method and raw (still percent-encoded) path, if any.
   *
   * @return the match; empty if no route has this path; a route of another method is reported by
   *     {@link #pathExists(String)}
   */
  public static Optional<Match> match(String method, String rawPath) {
    List<String> parts = split(rawPath);
    for (Route route : values()) {
      if (route.method.equals(method)) {
        Map<String, String> vars = route.bind(parts);
        if (vars != null) {
          return Optional.of(new Match(route, vars));
        }
      }
    }
    return Optional.empty();
  }

  /** Whether some route has this path (under any method): a miss is then 405, not 404. */
  public static boolean pathExists(String rawPath) {
    List<String> parts = split(rawPath);
    return Arrays.stream(values()).anyMatch(r -> r.bind(parts) != null);
  }

  private Map<String, String> bind(List<String> parts) {
    if (parts.size() != segments.size()) {
      return null;
    }
    Map<String, String> vars = new TreeMap<>();
    for (int i = 0; i < parts.size(); i++) {
      String want = segments.get(i);
      String have = parts.get(i);
      if (want.startsWith("{") && want.endsWith("}")) {
        if (have.isEmpty()) {
          return null;
        }
        vars.put(want.substring(1, want.length() - 1), have);
      } else if (!want.equals(have)) {
        return null;
      }
    }
    return vars;
  }

  private static List<String> split(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    if (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return Arrays.asList(p.split("/", -1));
  }
}
