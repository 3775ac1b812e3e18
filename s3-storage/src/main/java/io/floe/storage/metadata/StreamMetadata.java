package io.floe.storage.metadata;

import java.util.List;

/**
 * A stream as stored: readable offsets {@code [startOffset, endOffset)}, the epoch of its current owner, and
 * the ranges holding its data in offset order (ranges wholly below {@code startOffset} are already removed).
 */
public record StreamMetadata(long streamId, long startOffset, long endOffset, long epoch, List<StreamRange> ranges) {

  public StreamMetadata {
    ranges = List.copyOf(ranges);
  }
}
