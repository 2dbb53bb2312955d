package io.aebridge.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;

/** The one home of dtype and shape operations: concat, row slices, little-endian bytes, unknown dtypes refused. */
class HostTensorTest {

  @Test
  void concatAndRowsRoundTrip() {
    HostTensor a = HostTensor.ofFloats(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
    HostTensor b = HostTensor.ofFloats(new long[] {1, 3}, new float[] {7, 8, 9});
    HostTensor c = HostTensor.concat(List.of(a, b));
    assertArrayEquals(new long[] {3, 3}, c.shape());
    assertArrayEquals(new float[] {4, 5, 6, 7, 8, 9}, (float[]) c.rows(1, 2).array());
    HostTensor l = HostTensor.concat(List.of(HostTensor.ofLongs(new long[] {1}, new long[] {Long.MAX_VALUE}),
        HostTensor.ofLongs(new long[] {2}, new long[] {1, 2})));
    assertArrayEquals(new long[] {Long.MAX_VALUE, 1, 2}, (long[]) l.array());
    assertArrayEquals(new int[] {3}, (int[]) HostTensor.concat(List.of(HostTensor.ofInts(new long[] {0, 2},
        new int[0]), HostTensor.ofInts(new long[] {1, 2}, new int[] {3, 4}))).rows(0, 1).rows(0, 1)
        .reshape(new long[] {2}).rows(0, 1).array());
  }

  @Test
  void concatRefusesMixedDtypesOrSampleShapes() {
    HostTensor f = HostTensor.ofFloats(new long[] {1, 2}, new float[2]);
    assertThrows(IllegalArgumentException.class,
        () -> HostTensor.concat(List.of(f, HostTensor.ofDoubles(new long[] {1, 2}, new double[2]))));
    assertThrows(IllegalArgumentException.class,
        () -> HostTensor.concat(List.of(f, HostTensor.ofFloats(new long[] {1, 3}, new float[3]))));
    assertThrows(IndexOutOfBoundsException.class, () -> f.rows(1, 1));
  }

  @Test
  void littleEndianBytesRoundTripForEveryDtypeBitForBit() {
    List<HostTensor> all = List.of(
        HostTensor.ofFloats(new long[] {2, 2}, new float[] {Float.NaN, -0f, Float.MIN_VALUE, Float.MAX_VALUE}),
        HostTensor.ofDoubles(new long[] {3}, new double[] {Double.NEGATIVE_INFINITY, 1e-310, Math.PI}),
        HostTensor.ofInts(new long[] {2}, new int[] {Integer.MIN_VALUE, 7}),
        HostTensor.ofLongs(new long[] {2, 1}, new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
    for (HostTensor t : all) {
      byte[] bytes = t.toLittleEndian();
      assertEquals(t.elementCount() * HostTensor.byteSize(t.dtype()), bytes.length);
      HostTensor back = HostTensor.fromLittleEndian(t.dtype(), t.shape(), ByteBuffer.wrap(bytes));
      assertArrayEquals(bytes, back.toLittleEndian(), t.toString());
      assertArrayEquals(t.shape(), back.shape());
    }
    // 1.0f little-endian is 00 00 80 3f.
    assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f},
        HostTensor.ofFloats(new long[] {1}, new float[] {1f}).toLittleEndian());
    IllegalArgumentException shortBytes = assertThrows(IllegalArgumentException.class,
        () -> HostTensor.fromLittleEndian(DataType.DT_FLOAT, new long[] {2}, ByteBuffer.wrap(new byte[7])));
    assertTrue(shortBytes.getMessage().contains("needs 8 bytes, found 7"), shortBytes.getMessage());
  }

  @Test
  void anUnsupportedDtypeIsAnExplicitErrorNeverALongArray() {
    for (DataType d : List.of(DataType.DT_STRING, DataType.DT_HALF, DataType.DT_BOOL, DataType.DT_UINT8)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> HostTensor.of(d, new long[] {1}, new long[1]));
      assertTrue(e.getMessage().contains("not supported; supported: " + HostTensor.SUPPORTED), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> HostTensor.byteSize(d));
      assertThrows(IllegalArgumentException.class,
          () -> HostTensor.ofFloats(new long[] {1}, new float[1]).castTo(d));
    }
    assertThrows(IllegalArgumentException.class, () -> HostTensor.of(DataType.DT_INT64, new long[] {1}, new int[1]));
  }
}
