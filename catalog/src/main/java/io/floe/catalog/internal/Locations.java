package io.floe.catalog.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Table and warehouse locations as URIs. Trino's native file systems cannot open a location without a
 * scheme, so Floe never hands Iceberg a bare path: {@code /data/wh} and {@code ./floe-data/warehouse}
 * become {@code file:///abs/path}, and {@code file:/x} becomes {@code file:///x}.
 */
public final class Locations {
  // RFC 3986 scheme; at least two characters so a Windows drive letter (C:\) is not taken for one
  private static final Pattern SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]+):");

  private Locations() {}

  /** The URI scheme of a location, lower case; empty for a bare path. */
  public static Optional<String> scheme(String location) {
    var m = SCHEME.matcher(location);
    return m.find() ? Optional.of(m.group(1).toLowerCase(Locale.ROOT)) : Optional.empty();
  }

  /**
   * A location as a URI: a bare path becomes an absolute {@code file://} URI (relative paths resolve
   * against the working directory), a {@code file:} URI gets the {@code file:///} form, and any other
   * scheme ({@code s3://}, {@code hdfs://}, ...) is kept as it is. No trailing slash.
   *
   * @throws IllegalArgumentException if the location is blank or not a valid URI or path
   */
  public static String toUri(String location) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("Cannot use a blank location");
    }
    String trimmed = location.trim();
    Optional<String> scheme = scheme(trimmed);
    String uri;
    if (scheme.isEmpty()) {
      uri = Path.of(trimmed).toAbsolutePath().normalize().toUri().toString();
    } else if (scheme.get().equals("file")) {
      try {
        uri = Path.of(new URI(trimmed)).toAbsolutePath().normalize().toUri().toString();
      } catch (URISyntaxException | IllegalArgumentException e) {
        throw new IllegalArgumentException("Cannot use location " + location + ": not a valid file URI ("
            + e.getMessage() + "); use file:///absolute/path", e);
      }
    } else {
      uri = trimmed;
    }
    return uri.endsWith("/") && !uri.endsWith(":///") ? uri.substring(0, uri.length() - 1) : uri;
  }

  /** A local directory as a {@code file:///abs/path} URI, without a trailing slash. */
  public static String toUri(Path directory) {
    return toUri(directory.toAbsolutePath().normalize().toString());
  }
}
