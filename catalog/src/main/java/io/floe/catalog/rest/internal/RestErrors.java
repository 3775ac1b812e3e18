package io.floe.catalog.rest.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.BadRequestException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ForbiddenException;
import org.apache.iceberg.exceptions.NamespaceNotEmptyException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.NoSuchViewException;
import org.apache.iceberg.exceptions.NotAuthorizedException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.exceptions.ServiceUnavailableException;
import org.apache.iceberg.exceptions.UnprocessableEntityException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.rest.responses.ErrorResponse;

/**
 * Maps exceptions from the backing catalog to the Iceberg REST error model: the HTTP status that
 * Iceberg's own client turns back into the same exception (its {@code ErrorHandlers}), and the
 * exception's simple name as {@code type}. Anything not listed is a 500, which a committing client
 * reads as "commit state unknown" and resolves by reloading, so an unexpected failure can never be
 * mistaken for a clean conflict.
 */
public final class RestErrors {
  // most specific first: the first class the exception is an instance of wins
  private static final Map<Class<? extends Exception>, Integer> STATUS = new LinkedHashMap<>();

  static {
    STATUS.put(CommitStateUnknownException.class, 500);
    STATUS.put(NoSuchNamespaceException.class, 404);
    STATUS.put(NoSuchTableException.class, 404);
    STATUS.put(NoSuchViewException.class, 404);
    STATUS.put(NotFoundException.class, 404);
    STATUS.put(NamespaceNotEmptyException.class, 409);
    STATUS.put(AlreadyExistsException.class, 409);
    STATUS.put(CommitFailedException.class, 409);
    STATUS.put(NotAuthorizedException.class, 401);
    STATUS.put(ForbiddenException.class, 403);
    STATUS.put(UnprocessableEntityException.class, 422);
    STATUS.put(ServiceUnavailableException.class, 503);
    STATUS.put(UnsupportedOperationException.class, 406);
    STATUS.put(BadRequestException.class, 400);
    STATUS.put(ValidationException.class, 400);
    STATUS.put(IllegalArgumentException.class, 400);
  }

  private RestErrors() {}

  /** The HTTP status for an exception thrown while serving a request. */
  public static int status(Throwable e) {
    for (Map.Entry<Class<? extends Exception>, Integer> entry : STATUS.entrySet()) {
      if (entry.getKey().isInstance(e)) {
        return entry.getValue();
      }
    }
    return 500;
  }

  /** The error body for an exception: its status, simple class name and message, without a stack trace. */
  public static ErrorResponse of(Throwable e) {
    int status = status(e);
    // the client maps a 400 of type IllegalArgumentException back to IllegalArgumentException
    String type = e instanceof IllegalArgumentException ? "IllegalArgumentException" : e.getClass().getSimpleName();
    String message = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
    return error(status, type, message);
  }

  public static ErrorResponse error(int status, String type, String message) {
    return ErrorResponse.builder().responseCode(status).withType(type).withMessage(message).build();
  }
}
