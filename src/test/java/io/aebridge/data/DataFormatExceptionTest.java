package io.aebridge.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.EOFException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DataFormatExceptionTest {

  @Test
  void messageNamesFileLocationExpectedAndFound() {
    DataFormatException e = new DataFormatException(Path.of("mnist.idx"), "byte 0",
        "IDX magic 0x00000803 or 0x00000801 (first two bytes zero, type code, rank)", "0x12345678");

    assertEquals("mnist.idx: byte 0: expected IDX magic 0x00000803 or 0x00000801 (first two bytes zero, type code, "
        + "rank), found 0x12345678", e.getMessage());
    assertEquals(Path.of("mnist.idx"), e.getPath());
    assertEquals("byte 0", e.getLocation());
    assertNull(e.getCause());
  }

  @Test
  void keepsCause() {
    EOFException cause = new EOFException("Unexpected end of ZLIB input stream");
    DataFormatException e = new DataFormatException(Path.of("a.gz"), "byte 9", "complete gzip data",
        cause.getMessage(), cause);

    assertSame(cause, e.getCause());
    assertEquals("a.gz: byte 9: expected complete gzip data, found Unexpected end of ZLIB input stream",
        e.getMessage());
  }
}
