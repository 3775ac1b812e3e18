package io.floe.schema.internal.protobuf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.squareup.wire.schema.ProtoFile;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageIndexesTest {

  private static final String FILE =
      """
      syntax = "proto3";
      package shop.v1;

      enum Region { EU = 0; US = 1; }

      message Order {
        enum Status { NEW = 0; }
        message Item {
          message Discount { int32 percent = 1; }
          string sku = 1;
        }
        message Note { string text = 1; }
        map<string, string> labels = 1;
        Item item = 2;
      }

      message Refund {
        string order_id = 1;
      }
      """;

  private final ProtoFile file =
      ProtoFileSet.parse(Map.of("shop/v1/order.proto", FILE)).file("shop/v1/order.proto");

  @Test
  void indexesPickMessagesInDeclarationOrderSkippingEnumsAndMapEntries() {
    // Given a file with enums, nested messages and a map field among its messages

    // When index paths are resolved, then only declared messages count, nested by level
    assertEquals(Optional.of("shop.v1.Order"), MessageIndexes.of(0).messageName(file));
    assertEquals(Optional.of("shop.v1.Refund"), MessageIndexes.of(1).messageName(file));
    assertEquals(Optional.of("shop.v1.Order.Item"), MessageIndexes.of(0, 0).messageName(file));
    assertEquals(Optional.of("shop.v1.Order.Note"), MessageIndexes.of(0, 1).messageName(file));
    assertEquals(
        Optional.of("shop.v1.Order.Item.Discount"), MessageIndexes.of(0, 0, 0).messageName(file));
    assertEquals(Optional.empty(), MessageIndexes.of(2).messageName(file));
    assertEquals(Optional.empty(), MessageIndexes.of(0, 2).messageName(file));
    assertEquals(Optional.empty(), MessageIndexes.of(1, 0).messageName(file));
  }

  @Test
  void fullNamesMapBackToTheirIndexes() {
    // Given every message of the file

    // When its indexes are computed, then they resolve back to it
    assertEquals(MessageIndexes.of(0), MessageIndexes.of(file, "shop.v1.Order"));
    assertEquals(List.of(0, 0, 0), MessageIndexes.of(file, "shop.v1.Order.Item.Discount").path());
    assertEquals(List.of(1), MessageIndexes.of(file, "shop.v1.Refund").path());
    for (String name :
        List.of("shop.v1.Order", "shop.v1.Order.Item", "shop.v1.Order.Note", "shop.v1.Refund")) {
      assertEquals(Optional.of(name), MessageIndexes.of(file, name).messageName(file));
    }
    assertThrows(IllegalArgumentException.class, () -> MessageIndexes.of(file, "shop.v1.Region"));
    assertThrows(IllegalArgumentException.class, () -> MessageIndexes.of(file, "shop.v1.Missing"));
  }

  @Test
  void theFirstMessageIsWrittenAsASingleZeroByte() {
    // Given the first message's indexes

    // When they are written and read back
    byte[] bytes = MessageIndexes.FIRST.toBytes();
    MessageIndexes.Read read = MessageIndexes.read(bytes, 0, bytes.length);

    // Then the count 0 stands for [0], in one byte
    assertArrayEquals(new byte[] {0}, bytes);
    assertEquals(new MessageIndexes.Read.Parsed(MessageIndexes.FIRST, 1), read);
  }

  @Test
  void anExplicitPathOfOneZeroAlsoMeansTheFirstMessage() {
    // Given a serializer that writes [0] in full: count 1 (zig-zag 2), index 0
    byte[] bytes = {2, 0, 42};

    // When it is read, then it is the first message and two bytes were taken
    assertEquals(
        new MessageIndexes.Read.Parsed(MessageIndexes.FIRST, 2), MessageIndexes.read(bytes, 0, 3));
  }

  @Test
  void pathsRoundTripThroughTheirBytes() {
    // Given paths with small and large indexes
    List<int[]> paths =
        List.of(new int[] {1}, new int[] {0, 0}, new int[] {3, 1, 2}, new int[] {64, 300, 100_000});

    for (int[] path : paths) {
      // When each is written after a header and read back from an offset, with payload after it
      byte[] indexes = MessageIndexes.of(path).toBytes();
      byte[] record = new byte[5 + indexes.length + 3];
      System.arraycopy(indexes, 0, record, 5, indexes.length);
      MessageIndexes.Read read = MessageIndexes.read(record, 5, record.length - 5);

      // Then the same path comes back and the byte count points at the payload
      assertEquals(new MessageIndexes.Read.Parsed(MessageIndexes.of(path), indexes.length), read);
    }
    // zig-zag: count 2 is 4, index 64 is 128 (two bytes)
    assertArrayEquals(new byte[] {4, 2, 4}, MessageIndexes.of(1, 2).toBytes());
    assertArrayEquals(new byte[] {2, (byte) 0x80, 1}, MessageIndexes.of(64).toBytes());
  }

  @Test
  void corruptBytesAreAnInvalidValueNotAnException() {
    // Given truncated, negative, oversized and malformed index bytes
    byte[][] corrupt = {
      {}, // nothing at all
      {4, 2}, // count 2, one index
      {3}, // count -2
      {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0}, // count 2^31-1
      {2, 1}, // index -1
      {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0}, // varint too long
      {(byte) 0x80}, // varint cut
    };

    for (byte[] bytes : corrupt) {
      // When they are read, then the result says why, without throwing
      MessageIndexes.Read read = MessageIndexes.read(bytes, 0, bytes.length);
      assertInstanceOf(MessageIndexes.Read.Invalid.class, read, java.util.Arrays.toString(bytes));
      assertTrue(((MessageIndexes.Read.Invalid) read).reason().length() > 10);
    }
  }

  @Test
  void randomBytesNeverThrow() {
    // Given random byte strings, read at random offsets and lengths
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[random.nextInt(12)];
      random.nextBytes(bytes);
      int offset = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
      int length = random.nextInt(bytes.length - offset + 1);

      // When they are read, then a parse never claims more bytes than it was given
      MessageIndexes.Read read = MessageIndexes.read(bytes, offset, length);
      if (read instanceof MessageIndexes.Read.Parsed parsed) {
        assertTrue(parsed.bytesRead() >= 1 && parsed.bytesRead() <= length);
      }
    }
  }

  @Test
  void theFirstIndexesAreShared() {
    assertSame(MessageIndexes.FIRST, MessageIndexes.of(0));
    assertThrows(IllegalArgumentException.class, () -> MessageIndexes.of());
    assertThrows(IllegalArgumentException.class, () -> MessageIndexes.of(1, -1));
  }
}
