package io.floe.catalog;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.exceptions.RuntimeIOException;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;
import org.apache.iceberg.io.SupportsPrefixOperations;

/**
 * An Iceberg {@code FileIO} for the local file system that keeps every location exactly as the
 * catalog built it, so tables in a {@code file:///} warehouse record {@code file:///abs/path} for
 * their metadata, manifests and data files. (Iceberg's {@code HadoopFileIO} goes through Hadoop's
 * {@code Path}, which shortens {@code file:///x} to {@code file:/x}.)
 *
 * <p>Reads {@code file:///x}, {@code file:/x} and bare absolute paths, so tables written before keep
 * loading. Files are written in place ({@link OutputFile#create()} fails if the file exists, which
 * is what keeps a metadata file from being overwritten by a concurrent committer) and are not
 * fsync'd, as with {@code HadoopFileIO} on a local disk.
 */
public class LocalFileIO implements SupportsPrefixOperations {
  private static final long serialVersionUID = 1L;

  private Map<String, String> properties = Map.of();

  public LocalFileIO() {}

  @Override
  public void initialize(Map<String, String> props) {
    this.properties = Map.copyOf(props);
  }

  @Override
  public Map<String, String> properties() {
    return properties;
  }

  @Override
  public InputFile newInputFile(String location) {
    return new LocalInputFile(location, toPath(location));
  }

  @Override
  public OutputFile newOutputFile(String location) {
    return new LocalOutputFile(location, toPath(location));
  }

  @Override
  public void deleteFile(String location) {
    try {
      Files.deleteIfExists(toPath(location));
    } catch (IOException e) {
      throw new RuntimeIOException(e, "Cannot delete %s", location);
    }
  }

  @Override
  public Iterable<FileInfo> listPrefix(String prefix) {
    Path root = toPath(prefix);
    if (!Files.exists(root)) {
      return List.of();
    }
    String base = stripSlash(prefix);
    List<FileInfo> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class);
        if (attrs.isRegularFile()) {
          String relative = root.relativize(p).toString().replace('\\', '/');
          String location = relative.isEmpty() ? base : base + "/" + relative;
          files.add(new FileInfo(location, attrs.size(), attrs.creationTime().toMillis()));
        }
      }
    } catch (IOException e) {
      throw new RuntimeIOException(e, "Cannot list %s", prefix);
    }
    return files;
  }

  @Override
  public void deletePrefix(String prefix) {
    Path root = toPath(prefix);
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new RuntimeIOException(e, "Cannot delete %s", prefix);
    }
  }

  /** The local path of a {@code file:} URI or an absolute path. */
  static Path toPath(String location) {
    if (location.startsWith("file:")) {
      try {
        return Path.of(new URI(location));
      } catch (Exception e) {
        // file:/x with characters a URI does not allow unescaped (spaces): take the path as written
        String path = location.substring("file:".length());
        while (path.startsWith("//")) {
          path = path.substring(1);
        }
        return Path.of(path);
      }
    }
    if (location.startsWith("/")) {
      return Path.of(location);
    }
    throw new IllegalArgumentException("Cannot use " + location + " with LocalFileIO: not a file: URI or an absolute path");
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static final class LocalInputFile implements InputFile {
    private final String location;
    private final Path path;

    LocalInputFile(String location, Path path) {
      this.location = location;
      this.path = path;
    }

    @Override
    public long getLength() {
      try {
        return Files.size(path);
      } catch (NoSuchFileException e) {
        throw new NotFoundException(e, "File does not exist: %s", location);
      } catch (IOException e) {
        throw new RuntimeIOException(e, "Cannot read the length of %s", location);
      }
    }

    @Override
    public SeekableInputStream newStream() {
      try {
        return new ChannelInputStream(FileChannel.open(path, StandardOpenOption.READ));
      } catch (NoSuchFileException e) {
        // HadoopFileIO's wording, which callers and Iceberg's own tests match on
        throw new NotFoundException(e, "Failed to open input stream for file: %s", location);
      } catch (IOException e) {
        throw new RuntimeIOException(e, "Cannot open %s", location);
      }
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public boolean exists() {
      return Files.exists(path);
    }

    @Override
    public String toString() {
      return location;
    }
  }

  private static final class LocalOutputFile implements OutputFile {
    private final String location;
    private final Path path;

    LocalOutputFile(String location, Path path) {
      this.location = location;
      this.path = path;
    }

    @Override
    public PositionOutputStream create() {
      return open(StandardOpenOption.CREATE_NEW);
    }

    @Override
    public PositionOutputStream createOrOverwrite() {
      return open(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private PositionOutputStream open(StandardOpenOption... options) {
      try {
        Path parent = path.getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        List<StandardOpenOption> opts = new ArrayList<>(List.of(options));
        opts.add(StandardOpenOption.WRITE);
        return new CountingOutputStream(Files.newOutputStream(path, opts.toArray(new StandardOpenOption[0])));
      } catch (FileAlreadyExistsException e) {
        throw new AlreadyExistsException(e, "File already exists: %s", location);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot create " + location, e);
      }
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public InputFile toInputFile() {
      return new LocalInputFile(location, path);
    }

    @Override
    public String toString() {
      return location;
    }
  }

  private static final class ChannelInputStream extends SeekableInputStream {
    private final FileChannel channel;
    private final byte[] one = new byte[1];

    ChannelInputStream(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public long getPos() throws IOException {
      return channel.position();
    }

    @Override
    public void seek(long newPos) throws IOException {
      channel.position(newPos);
    }

    @Override
    public int read() throws IOException {
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      return channel.read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public long skip(long n) throws IOException {
      long pos = channel.position();
      long target = Math.min(channel.size(), pos + Math.max(0, n));
      channel.position(target);
      return target - pos;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(Integer.MAX_VALUE, Math.max(0, channel.size() - channel.position()));
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  private static final class CountingOutputStream extends PositionOutputStream {
    private final OutputStream out;
    private long pos;

    CountingOutputStream(OutputStream out) {
      this.out = new BufferedOutputStream(out, 64 * 1024);
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      pos++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      pos += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
