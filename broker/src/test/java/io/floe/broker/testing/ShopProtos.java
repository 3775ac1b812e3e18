package io.floe.broker.testing;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Timestamp;
import com.google.protobuf.TimestampProto;
import java.util.List;

/**
 * Two .proto files, one importing the other and a well-known type, as text (what Floe reads) and as the
 * descriptors protobuf-java encodes with (what a producer's generated classes would hold).
 */
public final class ShopProtos {

  public static final String COMMON_PATH = "shop/common/common.proto";
  public static final String COMMON = """
      syntax = "proto3";
      package shop.common;

      message Money {
        string currency = 1;
        int64 units = 2;
      }
      """;

  public static final String ORDER_PATH = "shop/v1/order.proto";
  public static final String ORDER = """
      syntax = "proto3";
      package shop.v1;

      import "shop/common/common.proto";
      import "google/protobuf/timestamp.proto";

      message Order {
        int64 id = 1;
        string item = 2;
        shop.common.Money price = 3;
        google.protobuf.Timestamp placed = 4;
        repeated string tags = 5;
        uint64 big = 6;
        Status status = 7;

        enum Status {
          UNKNOWN = 0;
          PAID = 1;
        }
      }
      """;

  public static final Descriptors.Descriptor MONEY;
  public static final Descriptors.Descriptor ORDER_TYPE;

  static {
    try {
      FileDescriptorProto common = FileDescriptorProto.newBuilder()
          .setName(COMMON_PATH).setSyntax("proto3").setPackage("shop.common")
          .addMessageType(DescriptorProto.newBuilder().setName("Money")
              .addField(field("currency", 1, FieldDescriptorProto.Type.TYPE_STRING))
              .addField(field("units", 2, FieldDescriptorProto.Type.TYPE_INT64)))
          .build();
      Descriptors.FileDescriptor commonFile = Descriptors.FileDescriptor.buildFrom(common,
          new Descriptors.FileDescriptor[0]);
      FileDescriptorProto order = FileDescriptorProto.newBuilder()
          .setName(ORDER_PATH).setSyntax("proto3").setPackage("shop.v1")
          .addDependency(COMMON_PATH).addDependency("google/protobuf/timestamp.proto")
          .addMessageType(DescriptorProto.newBuilder().setName("Order")
              .addField(field("id", 1, FieldDescriptorProto.Type.TYPE_INT64))
              .addField(field("item", 2, FieldDescriptorProto.Type.TYPE_STRING))
              .addField(field("price", 3, FieldDescriptorProto.Type.TYPE_MESSAGE).setTypeName(".shop.common.Money"))
              .addField(field("placed", 4, FieldDescriptorProto.Type.TYPE_MESSAGE)
                  .setTypeName(".google.protobuf.Timestamp"))
              .addField(field("tags", 5, FieldDescriptorProto.Type.TYPE_STRING)
                  .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED))
              .addField(field("big", 6, FieldDescriptorProto.Type.TYPE_UINT64))
              .addField(field("status", 7, FieldDescriptorProto.Type.TYPE_ENUM).setTypeName(".shop.v1.Order.Status"))
              .addEnumType(EnumDescriptorProto.newBuilder().setName("Status")
                  .addValue(EnumValueDescriptorProto.newBuilder().setName("UNKNOWN").setNumber(0))
                  .addValue(EnumValueDescriptorProto.newBuilder().setName("PAID").setNumber(1))))
          .build();
      Descriptors.FileDescriptor orderFile = Descriptors.FileDescriptor.buildFrom(order,
          new Descriptors.FileDescriptor[] {commonFile, TimestampProto.getDescriptor()});
      MONEY = commonFile.findMessageTypeByName("Money");
      ORDER_TYPE = orderFile.findMessageTypeByName("Order");
    } catch (Descriptors.DescriptorValidationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private ShopProtos() {}

  private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
        .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL).setJsonName(name);
  }

  /** An order encoded by protobuf-java: {@code id}, with every other field set from it. */
  public static byte[] order(long id) {
    Descriptors.Descriptor t = ORDER_TYPE;
    DynamicMessage price = DynamicMessage.newBuilder(MONEY)
        .setField(MONEY.findFieldByName("currency"), "EUR")
        .setField(MONEY.findFieldByName("units"), id * 100)
        .build();
    return DynamicMessage.newBuilder(t)
        .setField(t.findFieldByName("id"), id)
        .setField(t.findFieldByName("item"), "item-" + id)
        .setField(t.findFieldByName("price"), price)
        .setField(t.findFieldByName("placed"), Timestamp.newBuilder().setSeconds(1_700_000_000L + id).setNanos(5_000).build())
        .setField(t.findFieldByName("tags"), List.of("a", "b" + id))
        .setField(t.findFieldByName("big"), -1L) // 2^64 - 1 as an unsigned value
        .setField(t.findFieldByName("status"), t.findEnumTypeByName("Status").findValueByNumber((int) (id % 2)))
        .build()
        .toByteArray();
  }
}
