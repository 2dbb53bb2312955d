package io.aebridge.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Content fingerprints of datasets, written into model cards. Stateless and thread-safe. */
public final class Fingerprints {

  private static final int CHUNK_BYTES = 1 << 16;

  private Fingerprints() {}

  /**
   * The lowercase hex SHA-256 of a dataset's shape and values: four little-endian int32s ({@code count, height,
   * width, channels}) followed by every value as a little-endian IEEE float32, in storage order. Labels and source
   * are not included. The same as Python's {@code hashlib.sha256(np.array([n, h, w, c], '<i4').tobytes() +
   * x.astype('<f4').tobytes()).hexdigest()}.
   */
  public static String sha256(Dataset data) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
    ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putInt(data.count()).putInt(data.height()).putInt(data.width()).putInt(data.channels());
    for (float value : data.values()) {
      if (!buffer.hasRemaining()) {
        digest.update(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      buffer.putFloat(value);
    }
    digest.update(buffer.array(), 0, buffer.position());
    return HexFormat.of().formatHex(digest.digest());
  }
}
