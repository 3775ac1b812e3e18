package io.floe.storage.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalJournalTest {
  @TempDir Path dir;

  @Test
  void recordsAppendedOutOfOrderAreWrittenAndRecoveredInSequenceOrder() throws Exception {
    // Given records handed over as 2, 0, 1
    try (WalJournal journal = new WalJournal(dir, WalJournal.DEFAULT_SEGMENT_BYTES, false)) {
      journal.recover(r -> {});
      journal.reset(0);
      CompletableFuture<Void> second = journal.append(2, text("two"));
      CompletableFuture<Void> first = journal.append(0, text("zero"));
      CompletableFuture<Void> middle = journal.append(1, text("one"));

      // Then each completes once it and every earlier one is written
      CompletableFuture.allOf(first, middle, second).get(10, TimeUnit.SECONDS);
    }

    // And a new journal reads them back in sequence order
    assertEquals(List.of("0:zero", "1:one", "2:two"), recovered());
  }

  @Test
  void recoveryStopsAtACorruptRecordInItsFileAndResetStartsOver() throws Exception {
    // Given three records whose second has a flipped payload byte
    try (WalJournal journal = new WalJournal(dir, WalJournal.DEFAULT_SEGMENT_BYTES, false)) {
      journal.recover(r -> {});
      journal.reset(10);
      for (int i = 0; i < 3; i++) {
        journal.append(10 + i, text("record-" + i)).get(10, TimeUnit.SECONDS);
      }
    }
    Path file = segments().get(0);
    byte[] bytes = Files.readAllBytes(file);
    int secondPayload = 2 * WalJournal.RECORD_HEADER_BYTES + "record-0".length();
    bytes[secondPayload] ^= 1;
    Files.write(file, bytes);

    // Then only the record before it is recovered
    assertEquals(List.of("10:record-0"), recovered());

    // And after a reset the directory holds only the new records
    try (WalJournal journal = new WalJournal(dir, WalJournal.DEFAULT_SEGMENT_BYTES, false)) {
      journal.recover(r -> {});
      journal.reset(11);
      journal.append(11, text("fresh")).get(10, TimeUnit.SECONDS);
    }
    assertEquals(List.of("11:fresh"), recovered());
  }

  @Test
  void segmentsRollAtTheirSizeAndGoOnceEveryRecordInThemIsReleased() throws Exception {
    // Given records of 100 bytes in segments of 250 bytes: two records per segment
    try (WalJournal journal = new WalJournal(dir, 250, false)) {
      journal.recover(r -> {});
      journal.reset(0);
      for (int i = 0; i < 6; i++) {
        journal.append(i, Unpooled.wrappedBuffer(new byte[100 - WalJournal.RECORD_HEADER_BYTES]))
            .get(10, TimeUnit.SECONDS);
      }
      assertEquals(3, segments().size());

      // When records up to 2 are released (the second segment is half released)
      journal.release(2);
      journal.append(6, text("after")).get(10, TimeUnit.SECONDS);

      // Then only the first segment is gone (the small record 6 fits in the third)
      assertEquals(2, segments().size());
      assertTrue(segments().get(0).getFileName().toString().startsWith("00000000000000000002"));

      // And releasing everything keeps the segment being written
      journal.release(6);
      journal.append(7, text("last")).get(10, TimeUnit.SECONDS);
      assertEquals(1, segments().size());
    }
  }

  @Test
  void aCloseDeletesTheFilesOnlyWhenEveryRecordWasReleased() throws Exception {
    // Given a journal whose last record is not released when it closes
    try (WalJournal journal = new WalJournal(dir, WalJournal.DEFAULT_SEGMENT_BYTES, false)) {
      journal.recover(r -> {});
      journal.reset(0);
      journal.append(0, text("a")).get(10, TimeUnit.SECONDS);
      journal.append(1, text("b")).get(10, TimeUnit.SECONDS);
      journal.release(0);
    }
    // Then its file stays, with both records
    assertTrue(WalJournal.holdsRecords(dir));
    assertEquals(List.of("0:a", "1:b"), recovered());

    // And a journal that released everything leaves nothing behind
    try (WalJournal journal = new WalJournal(dir, WalJournal.DEFAULT_SEGMENT_BYTES, false)) {
      journal.recover(r -> {});
      journal.reset(2);
      journal.append(2, text("c")).get(10, TimeUnit.SECONDS);
      journal.release(2);
    }
    assertFalse(WalJournal.holdsRecords(dir));
  }

  @Test
  void aFailedWriteFailsOnlyItsRecordsAndTheWriterGoesOnInANewFile() throws Exception {
    // Given a journal whose disk fills up after its first record: a write leaves half a header behind, and
    // while the disk is full no new file can be opened either
    FailingSegmentChannels channels = new FailingSegmentChannels();
    try (WalJournal journal = onFailingDisk(channels, "before")) {
      channels.full = true;

      // When records are written on the full disk, then each fails with the I/O error
      for (long sequence = 1; sequence <= 2; sequence++) {
        ExecutionException failed = failedWrite(journal.append(sequence, text("lost")));
        assertTrue(failed.getCause() instanceof IOException, failed.toString());
      }

      // And once space is free again, the next record is written, in a new file
      channels.full = false;
      journal.append(3, text("after")).get(10, TimeUnit.SECONDS);
      assertEquals(2, segments().size());
    }

    // And recovery reads the records before and after the failure, skipping the torn one
    assertEquals(List.of("0:before", "3:after"), recovered());
  }

  @Test
  void aRecordWrittenWholeButReportedFailedIsCutOffTheFile() throws Exception {
    // Given a write that writes its whole record and then fails (as a failed fsync does)
    FailingSegmentChannels channels = new FailingSegmentChannels();
    try (WalJournal journal = onFailingDisk(channels, "kept")) {
      channels.failAfterWriting = true;
      failedWrite(journal.append(1, text("failed")));
      channels.failAfterWriting = false;
      journal.append(2, text("next")).get(10, TimeUnit.SECONDS);
    }

    // Then recovery never reads the failed record, whose produces were failed
    assertEquals(List.of("0:kept", "2:next"), recovered());
  }

  @Test
  void whenAFailedWriteCannotBeCutOffNoLaterRecordIsWritten() throws Exception {
    // Given a failed write whose bytes cannot be cut off the file
    FailingSegmentChannels channels = new FailingSegmentChannels();
    try (WalJournal journal = onFailingDisk(channels, "kept")) {
      channels.failAfterWriting = true;
      channels.truncateFails = true;
      failedWrite(journal.append(1, text("failed")));

      // When the disk works again, then later records still fail: they could be shadowed by the failed one
      channels.failAfterWriting = false;
      channels.truncateFails = false;
      ExecutionException refused = failedWrite(journal.append(2, text("later")));
      assertTrue(refused.getCause().getMessage().contains("restart the broker"), refused.toString());
    }
  }

  @Test
  void recoveryRefusesAFileThatStartsBeforeTheRecordExpected() throws Exception {
    // Given a file with records 0..2, and a second file that claims to start at 1 again
    try (WalJournal journal = new WalJournal(dir, WalJournal.DEFAULT_SEGMENT_BYTES, false)) {
      journal.recover(r -> {});
      journal.reset(0);
      for (int i = 0; i < 3; i++) {
        journal.append(i, text("r" + i)).get(10, TimeUnit.SECONDS);
      }
    }
    Path first = segments().get(0);
    byte[] bytes = Files.readAllBytes(first);
    int twoRecords = 2 * (WalJournal.RECORD_HEADER_BYTES + 2);
    Files.write(dir.resolve("00000000000000000009.wal"), java.util.Arrays.copyOfRange(bytes, twoRecords / 2, bytes.length));

    // Then recovery takes the first file whole and nothing of the second
    assertEquals(List.of("0:r0", "1:r1", "2:r2"), recovered());
  }

  /** A started journal on {@code channels} whose record 0 ({@code first}) is written. */
  private WalJournal onFailingDisk(FailingSegmentChannels channels, String first) throws Exception {
    WalJournal journal = new WalJournal(dir, WalJournal.DEFAULT_SEGMENT_BYTES, false, channels);
    journal.recover(r -> {});
    journal.reset(0);
    journal.append(0, text(first)).get(10, TimeUnit.SECONDS);
    return journal;
  }

  private static ExecutionException failedWrite(CompletableFuture<Void> write) {
    return assertThrows(ExecutionException.class, () -> write.get(10, TimeUnit.SECONDS));
  }

  private List<String> recovered() {
    List<String> out = new ArrayList<>();
    WalJournal journal = new WalJournal(dir, WalJournal.DEFAULT_SEGMENT_BYTES, false);
    try {
      journal.recover(r -> out.add(r.sequence() + ":" + r.payload().toString(StandardCharsets.UTF_8)));
    } finally {
      journal.close();
    }
    return out;
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  private static ByteBuf text(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
  }
}
