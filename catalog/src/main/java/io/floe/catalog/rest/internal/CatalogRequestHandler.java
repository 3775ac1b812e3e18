package io.floe.catalog.rest.internal;

import com.fasterxml.jackson.core.JacksonException;
import io.floe.catalog.rest.internal.RestExchange.Request;
import io.floe.catalog.rest.internal.RestExchange.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.UpdateRequirement;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.catalog.ViewCatalog;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.BadRequestException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.CatalogHandlers;
import org.apache.iceberg.rest.Endpoint;
import org.apache.iceberg.rest.RESTCatalogProperties;
import org.apache.iceberg.rest.RESTCatalogProperties.SnapshotMode;
import org.apache.iceberg.rest.RESTRequest;
import org.apache.iceberg.rest.RESTUtil;
import org.apache.iceberg.rest.requests.CommitTransactionRequest;
import org.apache.iceberg.rest.requests.CreateNamespaceRequest;
import org.apache.iceberg.rest.requests.CreateTableRequest;
import org.apache.iceberg.rest.requests.CreateViewRequest;
import org.apache.iceberg.rest.requests.RegisterTableRequest;
import org.apache.iceberg.rest.requests.RegisterViewRequest;
import org.apache.iceberg.rest.requests.RenameTableRequest;
import org.apache.iceberg.rest.requests.UpdateNamespacePropertiesRequest;
import org.apache.iceberg.rest.requests.UpdateTableRequest;
import org.apache.iceberg.rest.responses.ConfigResponse;
import org.apache.iceberg.rest.responses.LoadTableResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the Iceberg REST catalog API over a backing {@link Catalog}: routes a request, reads its JSON
 * body with the REST JSON mapper ({@link RestJson}), and runs the operation through Iceberg's own
 * {@link CatalogHandlers}, so commits validate the client's update requirements (such as
 * {@code assert-ref-snapshot-id}) against the table's current metadata exactly as Iceberg defines.
 * Errors become {@link RestErrors} responses. Thread-safe if the backing catalog is.
 */
public final class CatalogRequestHandler {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogRequestHandler.class);
  private static final String SEPARATOR = RESTCatalogProperties.NAMESPACE_SEPARATOR_DEFAULT;

  private final Catalog catalog;
  private final SupportsNamespaces namespaces;
  private final ViewCatalog views;
  private final List<Endpoint> endpoints;

  public CatalogRequestHandler(Catalog catalog) {
    this.catalog = catalog;
    this.namespaces = catalog instanceof SupportsNamespaces ns ? ns : null;
    this.views = catalog instanceof ViewCatalog vc ? vc : null;
    List<Endpoint> served = new ArrayList<>();
    for (Route route : Route.values()) {
      if (route != Route.CONFIG && supports(route)) {
        served.add(route.endpoint());
      }
    }
    this.endpoints = List.copyOf(served);
  }

  /** The endpoints advertised by {@code GET /v1/config}: every route the backing catalog can serve. */
  public List<Endpoint> endpoints() {
    return endpoints;
  }

  /** Answers one request; never throws (failures become error responses). */
  public Response handle(Request request) {
    Optional<Route.Match> match = Route.match(request.method(), request.rawPath());
    if (match.isEmpty()) {
      if (Route.pathExists(request.rawPath())) {
        return error(405, "MethodNotAllowedException",
            String.format("Method %s is not allowed on %s", request.method(), request.rawPath()));
      }
      return error(404, "NotFoundException",
          String.format("No route for request: %s %s", request.method(), request.rawPath()));
    }
    Route route = match.get().route();
    if (!supports(route)) {
      return error(406, "UnsupportedOperationException", String.format(
          "The backing catalog %s does not support %s", catalog.name(), route.endpoint()));
    }
    try {
      Object body = readBody(route, request);
      return dispatch(route, match.get().pathVariables(), request, body);
    } catch (RuntimeException | LinkageError e) {
      // LinkageError: e.g. a table whose io-impl class is not on the classpath; answered as a 500
      int status = RestErrors.status(e);
      if (status >= 500) {
        LOG.warn("{} {} failed", request.method(), request.rawPath(), e);
      } else {
        LOG.debug("{} {} rejected with {}: {}", request.method(), request.rawPath(), status, e.toString());
      }
      return new Response(status, RestErrors.of(e), Map.of());
    }
  }

  private boolean supports(Route route) {
    return switch (route.group()) {
      case ALWAYS -> true;
      case NAMESPACES -> namespaces != null;
      case VIEWS -> views != null;
    };
  }

  private static Object readBody(Route route, Request request) {
    Class<? extends RESTRequest> type = route.requestClass();
    if (type == null) {
      return null;
    }
    if (request.body().length == 0) {
      throw new BadRequestException("Missing JSON request body for %s %s", route.method(), route.template());
    }
    try {
      RESTRequest parsed = RestJson.mapper().readValue(request.body(), type);
      if (parsed == null) {
        throw new BadRequestException("Missing JSON request body for %s %s", route.method(), route.template());
      }
      return parsed;
    } catch (JacksonException e) {
      throw new BadRequestException("Malformed %s: %s", type.getSimpleName(), e.getOriginalMessage());
    } catch (IOException e) {
      throw new BadRequestException("Unreadable %s: %s", type.getSimpleName(), e.getMessage());
    }
  }

  @SuppressWarnings("checkstyle:CyclomaticComplexity")
  private Response dispatch(Route route, Map<String, String> vars, Request request, Object body) {
    Map<String, String> query = request.query();
    switch (route) {
      case CONFIG:
        // one warehouse per server: the client's ?warehouse= is accepted and needs no prefix
        return Response.ok(ConfigResponse.builder().withEndpoints(endpoints).build());

      case LIST_NAMESPACES: {
        String parentParam = query.get("parent");
        Namespace parent = parentParam == null || parentParam.isEmpty() ? Namespace.empty()
            : RESTUtil.namespaceFromQueryParam(parentParam, SEPARATOR);
        String pageSize = pageSize(query);
        return Response.ok(pageSize == null ? CatalogHandlers.listNamespaces(namespaces, parent)
            : CatalogHandlers.listNamespaces(namespaces, parent, query.get("pageToken"), pageSize));
      }
      case CREATE_NAMESPACE: {
        CreateNamespaceRequest req = (CreateNamespaceRequest) body;
        req.validate();
        checkNamespaceLevels(req.namespace());
        return Response.ok(CatalogHandlers.createNamespace(namespaces, req));
      }
      case NAMESPACE_EXISTS:
        CatalogHandlers.namespaceExists(namespaces, namespace(vars));
        return Response.noContent();
      case LOAD_NAMESPACE:
        return Response.ok(CatalogHandlers.loadNamespace(namespaces, namespace(vars)));
      case DROP_NAMESPACE:
        CatalogHandlers.dropNamespace(namespaces, namespace(vars));
        return Response.noContent();
      case UPDATE_NAMESPACE:
        return Response.ok(CatalogHandlers.updateNamespaceProperties(namespaces, namespace(vars),
            (UpdateNamespacePropertiesRequest) body));

      case LIST_TABLES: {
        String pageSize = pageSize(query);
        Namespace ns = namespace(vars);
        return Response.ok(pageSize == null ? CatalogHandlers.listTables(catalog, ns)
            : CatalogHandlers.listTables(catalog, ns, query.get("pageToken"), pageSize));
      }
      case CREATE_TABLE: {
        CreateTableRequest req = (CreateTableRequest) body;
        req.validate();
        Namespace ns = existingNamespace(vars);
        return Response.ok(req.stageCreate() ? CatalogHandlers.stageTableCreate(catalog, ns, req)
            : CatalogHandlers.createTable(catalog, ns, req));
      }
      case TABLE_EXISTS:
        CatalogHandlers.tableExists(catalog, table(vars));
        return Response.noContent();
      case LOAD_TABLE:
        return loadTable(table(vars), query, request);
      case UPDATE_TABLE:
        return Response.ok(CatalogHandlers.updateTable(catalog, table(vars), (UpdateTableRequest) body));
      case DROP_TABLE:
        if (Boolean.parseBoolean(query.getOrDefault("purgeRequested", "false"))) {
          CatalogHandlers.purgeTable(catalog, table(vars));
        } else {
          CatalogHandlers.dropTable(catalog, table(vars));
        }
        return Response.noContent();
      case REGISTER_TABLE:
        return Response.ok(CatalogHandlers.registerTable(catalog, existingNamespace(vars), (RegisterTableRequest) body));
      case RENAME_TABLE: {
        RenameTableRequest req = (RenameTableRequest) body;
        req.validate();
        CatalogHandlers.renameTable(catalog, req);
        return Response.noContent();
      }
      case REPORT_METRICS:
        // accepted and dropped: the body was parsed, so a malformed report is still a 400
        return Response.noContent();
      case COMMIT_TRANSACTION:
        commitTransaction((CommitTransactionRequest) body);
        return Response.noContent();

      case LIST_VIEWS: {
        String pageSize = pageSize(query);
        Namespace ns = namespace(vars);
        return Response.ok(pageSize == null ? CatalogHandlers.listViews(views, ns)
            : CatalogHandlers.listViews(views, ns, query.get("pageToken"), pageSize));
      }
      case CREATE_VIEW:
        return Response.ok(CatalogHandlers.createView(views, existingNamespace(vars), (CreateViewRequest) body));
      case VIEW_EXISTS:
        CatalogHandlers.viewExists(views, view(vars));
        return Response.noContent();
      case LOAD_VIEW:
        return Response.ok(CatalogHandlers.loadView(views, view(vars)));
      case UPDATE_VIEW:
        return Response.ok(CatalogHandlers.updateView(views, view(vars), (UpdateTableRequest) body));
      case DROP_VIEW:
        CatalogHandlers.dropView(views, view(vars));
        return Response.noContent();
      case RENAME_VIEW: {
        RenameTableRequest req = (RenameTableRequest) body;
        req.validate();
        CatalogHandlers.renameView(views, req);
        return Response.noContent();
      }
      case REGISTER_VIEW:
        return Response.ok(CatalogHandlers.registerView(views, existingNamespace(vars), (RegisterViewRequest) body));
      default:
        throw new IllegalStateException("Unrouted " + route);
    }
  }

  /**
   * Loads a table with an ETag derived from its metadata location: a client that sends the ETag it
   * has in {@code If-None-Match} gets 304 and keeps its cached table.
   */
  private Response loadTable(TableIdentifier ident, Map<String, String> query, Request request) {
    String snapshots = query.getOrDefault(RESTCatalogProperties.SNAPSHOTS_QUERY_PARAMETER, "all");
    SnapshotMode mode;
    try {
      mode = SnapshotMode.valueOf(snapshots.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(String.format(
          "Invalid %s=%s: expected all or refs", RESTCatalogProperties.SNAPSHOTS_QUERY_PARAMETER, snapshots));
    }
    LoadTableResponse response = CatalogHandlers.loadTable(catalog, ident, mode);
    String etag = etag(response.metadataLocation() + "|" + mode);
    Map<String, String> headers = Map.of("ETag", etag);
    if (request.header("If-None-Match").filter(etag::equals).isPresent()) {
      return new Response(304, null, headers);
    }
    return new Response(200, response, headers);
  }

  /**
   * Commits several tables' changes. Every table's requirements are checked before any table is
   * changed, so a stale transaction changes nothing (409). The backing catalog cannot commit
   * several tables atomically, though: if a table fails after others were committed, the result is
   * reported as unknown (500, {@link CommitStateUnknownException}) so the client reloads rather
   * than retrying changes that partly landed.
   */
  private void commitTransaction(CommitTransactionRequest request) {
    request.validate();
    for (UpdateTableRequest change : request.tableChanges()) {
      TableIdentifier ident = change.identifier();
      boolean isCreate = change.requirements().stream().anyMatch(UpdateRequirement.AssertTableDoesNotExist.class::isInstance);
      if (isCreate) {
        if (catalog.tableExists(ident)) {
          throw new AlreadyExistsException("Table already exists: %s", ident);
        }
        continue;
      }
      Table table = catalog.loadTable(ident);
      if (!(table instanceof BaseTable base)) {
        throw new IllegalStateException("Cannot commit to " + ident + ": the catalog does not produce a BaseTable");
      }
      TableMetadata current = base.operations().current();
      change.requirements().forEach(requirement -> requirement.validate(current));
    }
    List<TableIdentifier> committed = new ArrayList<>();
    for (UpdateTableRequest change : request.tableChanges()) {
      try {
        CatalogHandlers.updateTable(catalog, change.identifier(), change);
        committed.add(change.identifier());
      } catch (RuntimeException e) {
        if (committed.isEmpty()) {
          throw e;
        }
        throw new CommitStateUnknownException(String.format(
            "Transaction partly committed: %s committed, %s failed (%s)", committed, change.identifier(), e), e);
      }
    }
  }

  private static String pageSize(Map<String, String> query) {
    String pageSize = query.get("pageSize");
    if (pageSize == null || pageSize.isEmpty()) {
      return null;
    }
    try {
      if (Integer.parseInt(pageSize) <= 0) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Invalid pageSize=" + pageSize + ": expected a positive integer");
    }
    return pageSize;
  }

  // Path segments are decoded as form data, so '+' is a space: Iceberg clients before 1.10 encoded
  // spaces as '+', and newer ones encode a literal '+' as %2B, so both decode right.
  private static Namespace namespace(Map<String, String> vars) {
    return RESTUtil.decodeNamespace(vars.get("namespace"), SEPARATOR);
  }

  /**
   * The JDBC catalog stores a namespace as its levels joined by '.', so a level with a dot would come
   * back from listing as several levels: refuse it up front instead of storing a namespace that
   * cannot be listed.
   */
  private void checkNamespaceLevels(Namespace ns) {
    if (catalog instanceof JdbcCatalog) {
      for (String level : ns.levels()) {
        if (level.contains(".")) {
          throw new IllegalArgumentException(String.format(
              "Cannot create namespace %s: level '%s' contains '.', which the JDBC catalog uses to join levels; "
                  + "use a nested namespace instead", ns, level));
        }
      }
    }
  }

  /**
   * The path's namespace, which must exist: tables and views are created only in existing namespaces
   * (404 NoSuchNamespaceException otherwise), whatever the backing catalog's own rule.
   */
  private Namespace existingNamespace(Map<String, String> vars) {
    Namespace ns = namespace(vars);
    if (namespaces != null) {
      CatalogHandlers.namespaceExists(namespaces, ns);
    }
    return ns;
  }

  private static TableIdentifier table(Map<String, String> vars) {
    return TableIdentifier.of(namespace(vars), RESTUtil.decodeString(vars.get("table")));
  }

  private static TableIdentifier view(Map<String, String> vars) {
    return TableIdentifier.of(namespace(vars), RESTUtil.decodeString(vars.get("view")));
  }

  private static Response error(int status, String type, String message) {
    return new Response(status, RestErrors.error(status, type, message), Map.of());
  }

  private static String etag(String value) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return '"' + HexFormat.of().formatHex(digest, 0, 16) + '"';
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
