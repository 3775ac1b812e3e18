package io.floe.broker.handler;

import java.util.concurrent.CompletionException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps a failed admin operation to the error code and message the client gets. */
final class AdminErrors {

  private static final Logger LOG = LoggerFactory.getLogger(AdminErrors.class);

  private AdminErrors() {}

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  static Errors error(Throwable t) {
    Throwable cause = unwrap(t);
    if (!(cause instanceof ApiException)) {
      LOG.error("Admin operation failed unexpectedly", cause);
    }
    return Errors.forException(cause);
  }

  static String message(Throwable t) {
    return unwrap(t).getMessage();
  }
}
