package io.floe.schema.internal.protobuf;

/**
 * Unwinds decoding one record when the bytes are invalid; the Iceberg column path of the failing
 * field is assembled on the way out and the failure becomes a {@link
 * io.floe.schema.ConversionResult} value: never seen by callers of the decoder.
 */
final class DecodeFailure extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private String path;

  DecodeFailure(String reason) {
    super(reason, null, false, false);
  }

  /** Prefixes the path with the enclosing column's name. */
  DecodeFailure under(String name) {
    path = path == null ? name : name + "." + path;
    return this;
  }

  /** The column path ({@code items.element.price}), or "" for the message itself. */
  String path() {
    return path == null ? "" : path;
  }
}
