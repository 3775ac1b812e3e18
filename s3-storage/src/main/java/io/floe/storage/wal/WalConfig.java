package io.floe.storage.wal;

import static io.floe.storage.internal.Preconditions.checkArgument;

/**
 * How the WAL batches appends into objects.
 *
 * @param uploadBytes seal the buffer once it holds this many bytes, even while uploads are in flight
 * @param uploadIntervalMs seal the buffer this long after its first append (0: as soon as an upload slot is
 *     free)
 * @param maxInflightUploads objects uploaded in parallel; their index commits still happen in seal order
 * @param bufferMaxBytes bytes appended but not yet committed (or failed); appends wait beyond it
 * @param appendTimeoutMs how long an append waits for buffer space before it fails
 * @param uploadAttempts attempts per object for retriable upload failures
 * @param closeTimeoutMs how long close waits for pending appends to commit before failing them
 * @param sealWhenIdle also seal the buffer at once when no upload is in flight: the lowest latency, for the local
 *     store. Off for S3, where every object is a billed PUT: objects then fill for the whole interval (or up to
 *     {@code uploadBytes}), whatever the load
 */
public record WalConfig(
    long uploadBytes,
    long uploadIntervalMs,
    int maxInflightUploads,
    long bufferMaxBytes,
    long appendTimeoutMs,
    int uploadAttempts,
    long closeTimeoutMs,
    boolean sealWhenIdle) {

  public static final long DEFAULT_UPLOAD_BYTES = 8L << 20;
  /** Suits S3, where a PUT takes tens of milliseconds. */
  public static final long DEFAULT_UPLOAD_INTERVAL_MS_S3 = 250;
  /** Suits the local file store, where an upload takes well under a millisecond. */
  public static final long DEFAULT_UPLOAD_INTERVAL_MS_LOCAL = 1;
  public static final int DEFAULT_MAX_INFLIGHT_UPLOADS = 4;
  public static final long DEFAULT_BUFFER_MAX_BYTES = 64L << 20;
  public static final long DEFAULT_APPEND_TIMEOUT_MS = 10_000;
  public static final int DEFAULT_UPLOAD_ATTEMPTS = 3;
  public static final long DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

  public WalConfig {
    checkArgument(uploadBytes > 0, "Cannot configure WAL: uploadBytes must be positive, got %s", uploadBytes);
    checkArgument(uploadIntervalMs >= 0, "Cannot configure WAL: uploadIntervalMs must be >= 0, got %s", uploadIntervalMs);
    checkArgument(maxInflightUploads > 0, "Cannot configure WAL: maxInflightUploads must be positive, got %s",
        maxInflightUploads);
    checkArgument(bufferMaxBytes >= uploadBytes,
        "Cannot configure WAL: bufferMaxBytes (%s) must be at least uploadBytes (%s)", bufferMaxBytes, uploadBytes);
    checkArgument(appendTimeoutMs >= 0, "Cannot configure WAL: appendTimeoutMs must be >= 0, got %s", appendTimeoutMs);
    checkArgument(uploadAttempts > 0, "Cannot configure WAL: uploadAttempts must be positive, got %s", uploadAttempts);
    checkArgument(closeTimeoutMs >= 0, "Cannot configure WAL: closeTimeoutMs must be >= 0, got %s", closeTimeoutMs);
  }

  /** Defaults for the local file store. */
  public static WalConfig localDefaults() {
    return new WalConfig(
        DEFAULT_UPLOAD_BYTES,
        DEFAULT_UPLOAD_INTERVAL_MS_LOCAL,
        DEFAULT_MAX_INFLIGHT_UPLOADS,
        DEFAULT_BUFFER_MAX_BYTES,
        DEFAULT_APPEND_TIMEOUT_MS,
        DEFAULT_UPLOAD_ATTEMPTS,
        DEFAULT_CLOSE_TIMEOUT_MS,
        true);
  }

  public WalConfig withUploadBytes(long v) {
    return new WalConfig(v, uploadIntervalMs, maxInflightUploads, bufferMaxBytes, appendTimeoutMs, uploadAttempts, closeTimeoutMs, sealWhenIdle);
  }

  public WalConfig withUploadIntervalMs(long v) {
    return new WalConfig(uploadBytes, v, maxInflightUploads, bufferMaxBytes, appendTimeoutMs, uploadAttempts, closeTimeoutMs, sealWhenIdle);
  }

  public WalConfig withMaxInflightUploads(int v) {
    return new WalConfig(uploadBytes, uploadIntervalMs, v, bufferMaxBytes, appendTimeoutMs, uploadAttempts, closeTimeoutMs, sealWhenIdle);
  }

  public WalConfig withBufferMaxBytes(long v) {
    return new WalConfig(uploadBytes, uploadIntervalMs, maxInflightUploads, v, appendTimeoutMs, uploadAttempts, closeTimeoutMs, sealWhenIdle);
  }

  public WalConfig withAppendTimeoutMs(long v) {
    return new WalConfig(uploadBytes, uploadIntervalMs, maxInflightUploads, bufferMaxBytes, v, uploadAttempts, closeTimeoutMs, sealWhenIdle);
  }

  public WalConfig withUploadAttempts(int v) {
    return new WalConfig(uploadBytes, uploadIntervalMs, maxInflightUploads, bufferMaxBytes, appendTimeoutMs, v, closeTimeoutMs, sealWhenIdle);
  }

  public WalConfig withSealWhenIdle(boolean v) {
    return new WalConfig(uploadBytes, uploadIntervalMs, maxInflightUploads, bufferMaxBytes, appendTimeoutMs, uploadAttempts,
        closeTimeoutMs, v);
  }

  public WalConfig withCloseTimeoutMs(long v) {
    return new WalConfig(uploadBytes, uploadIntervalMs, maxInflightUploads, bufferMaxBytes, appendTimeoutMs, uploadAttempts, v, sealWhenIdle);
  }
}
