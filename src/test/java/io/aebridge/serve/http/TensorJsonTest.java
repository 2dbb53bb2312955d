package io.aebridge.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The server's one JSON factory writes and reads floats without changing a bit, with its fast float routines. */
class TensorJsonTest {
  @Test
  void floatsSurviveTheServersJsonExactly() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    float[] v = new float[20_000];
    float[] edges = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
        0.1f, 1e-7f, 0.47079685f, 16777217f, 1f / 3};
    System.arraycopy(edges, 0, v, 0, edges.length);
    for (int i = edges.length; i < v.length; i++) {
      // Every bit pattern but NaN/Inf: normal, subnormal, both signs, all exponents.
      float f;
      do {
        f = Float.intBitsToFloat(random.nextInt());
      } while (!Float.isFinite(f));
      v[i] = f;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = TensorJson.JSON.createGenerator(out)) {
      g.writeStartArray();
      for (float f : v) {
        g.writeNumber(f);
      }
      g.writeEndArray();
    }
    byte[] text = out.toByteArray();
    try (JsonParser p = TensorJson.JSON.createParser(text)) {
      assertEquals(JsonToken.START_ARRAY, p.nextToken());
      for (int i = 0; i < v.length; i++) {
        p.nextToken();
        float back = p.getFloatValue();
        String asText = p.getText();
        int k = i;
        assertEquals(Float.floatToRawIntBits(v[k]), Float.floatToRawIntBits(back),
            () -> "float #" + k + " " + v[k] + " came back as " + back + " from text '" + asText + "'");
      }
    }
  }
}
