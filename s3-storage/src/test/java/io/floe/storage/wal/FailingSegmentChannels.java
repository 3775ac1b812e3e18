package io.floe.storage.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * WAL file segments on a disk that can fill up: while {@link #full}, no new segment can be opened, and a write
 * leaves half a record header behind before it fails, as a write cut short by ENOSPC does. With {@link
 * #failAfterWriting}, a write writes its whole record and then reports an error (as a failed fsync does); with
 * {@link #truncateFails}, what a failed write left cannot be cut off.
 */
public final class FailingSegmentChannels implements WalJournal.SegmentChannels {
  public volatile boolean full;
  public volatile boolean failAfterWriting;
  public volatile boolean truncateFails;

  @Override
  public FileChannel open(Path path) throws IOException {
    if (full) {
      throw new IOException("No space left on device (cannot create " + path.getFileName() + ")");
    }
    FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new DelegatingChannel(file) {
      @Override
      public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (full) {
          ByteBuffer half = srcs[offset].duplicate();
          half.limit(half.position() + Math.min(half.remaining(), WalJournal.RECORD_HEADER_BYTES / 2));
          file.write(half);
          throw new IOException("No space left on device");
        }
        long written = file.write(srcs, offset, length);
        if (failAfterWriting) {
          throw new IOException("Input/output error (after the bytes were written)");
        }
        return written;
      }

      @Override
      public FileChannel truncate(long size) throws IOException {
        if (truncateFails) {
          throw new IOException("Input/output error (truncate)");
        }
        return super.truncate(size);
      }
    };
  }

  /** A FileChannel that hands every call to another. */
  private static class DelegatingChannel extends FileChannel {
    private final FileChannel d;

    DelegatingChannel(FileChannel d) {
      this.d = d;
    }

    @Override public int read(ByteBuffer dst) throws IOException { return d.read(dst); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return d.read(dsts, offset, length); }
    @Override public int write(ByteBuffer src) throws IOException { return d.write(src); }
    @Override public long write(ByteBuffer[] srcs, int offset, int length) throws IOException { return d.write(srcs, offset, length); }
    @Override public long position() throws IOException { return d.position(); }
    @Override public FileChannel position(long p) throws IOException { d.position(p); return this; }
    @Override public long size() throws IOException { return d.size(); }
    @Override public FileChannel truncate(long size) throws IOException { d.truncate(size); return this; }
    @Override public void force(boolean metaData) throws IOException { d.force(metaData); }
    @Override public long transferTo(long p, long c, WritableByteChannel t) throws IOException { return d.transferTo(p, c, t); }
    @Override public long transferFrom(ReadableByteChannel s, long p, long c) throws IOException { return d.transferFrom(s, p, c); }
    @Override public int read(ByteBuffer dst, long p) throws IOException { return d.read(dst, p); }
    @Override public int write(ByteBuffer src, long p) throws IOException { return d.write(src, p); }
    @Override public MappedByteBuffer map(MapMode mode, long p, long size) throws IOException { return d.map(mode, p, size); }
    @Override public FileLock lock(long p, long size, boolean shared) throws IOException { return d.lock(p, size, shared); }
    @Override public FileLock tryLock(long p, long size, boolean shared) throws IOException { return d.tryLock(p, size, shared); }
    @Override protected void implCloseChannel() throws IOException { d.close(); }
  }
}
