package io.aebridge.data;

import java.nio.ByteBuffer;
import java.util.Locale;

/** The numeric element types the binary readers (NPY, IDX) decode; byte order comes from the buffer. */
enum ElementType {
  UINT8(1),
  INT8(1),
  INT16(2),
  INT32(4),
  INT64(8),
  FLOAT32(4),
  FLOAT64(8);

  /** Bytes per element. */
  final int size;

  ElementType(int size) {
    this.size = size;
  }

  boolean isInteger() {
    return this != FLOAT32 && this != FLOAT64;
  }

  /** Reads the element at the buffer's position as a float (64-bit values are rounded to the nearest float). */
  float readFloat(ByteBuffer buffer) {
    return switch (this) {
      case UINT8 -> buffer.get() & 0xFF;
      case INT8 -> buffer.get();
      case INT16 -> buffer.getShort();
      case INT32 -> buffer.getInt();
      case INT64 -> buffer.getLong();
      case FLOAT32 -> buffer.getFloat();
      case FLOAT64 -> (float) buffer.getDouble();
    };
  }

  /** Reads the element at the buffer's position; integer types only. */
  long readLong(ByteBuffer buffer) {
    return switch (this) {
      case UINT8 -> buffer.get() & 0xFF;
      case INT8 -> buffer.get();
      case INT16 -> buffer.getShort();
      case INT32 -> buffer.getInt();
      case INT64 -> buffer.getLong();
      case FLOAT32, FLOAT64 -> throw new IllegalStateException(this + " is not an integer type");
    };
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
