package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aebridge.serve.http.InferenceProtocolApi;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hand-written corpus of nasty requests ({@code nasty/requests.json}), each sent over a raw socket to a live
 * server with default limits: every one must get its 4xx status and an {@code {"error"}} message that names the
 * problem. Bodies too big or too binary for the JSON file are made by the generators below (the 100 MB bodies are
 * streamed, never held in memory).
 */
class NastyRequestsTest {
  @RegisterExtension
  static final StandardServer SERVER = new StandardServer();

  /** One corpus entry. */
  record Case(String name, String method, String path, Map<String, String> headers, String body, String bodyBase64,
      String generate, String framing, int status, String message) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> corpus() throws IOException {
    try (InputStream in = NastyRequestsTest.class.getResourceAsStream("nasty/requests.json")) {
      JsonNode all = TestClient.JSON.readTree(in);
      List<Case> cases = new ArrayList<>();
      for (JsonNode c : all) {
        Map<String, String> headers = new LinkedHashMap<>();
        c.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
        cases.add(new Case(c.path("name").asText(), c.path("method").asText("POST"), c.path("path").asText(),
            headers, c.hasNonNull("body") ? c.get("body").asText() : null,
            c.hasNonNull("bodyBase64") ? c.get("bodyBase64").asText() : null,
            c.hasNonNull("generate") ? c.get("generate").asText() : null, c.path("framing").asText("length"),
            c.path("status").asInt(),
            c.path("message").asText()));
      }
      return cases.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void getsA4xxNamingTheProblem(Case c) throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.putAll(c.headers());
    Body body = c.generate() != null ? generate(c.generate())
        : c.bodyBase64() != null ? Body.of(Base64.getDecoder().decode(c.bodyBase64()))
        : c.body() != null ? Body.of(c.body().getBytes(StandardCharsets.UTF_8)) : null;
    if (body != null && c.framing().equals("raw")) {
      // The body is sent byte for byte as the framing the case's headers announce (a hand-made chunked encoding).
      body = new Body(-1, false, body.writer(), body.headers());
    }
    if (body != null) {
      headers.putAll(body.headers());
    }
    Raw r = send(SERVER.server.port(), c.method(), c.path(), headers, body);
    assertEquals(c.status(), r.status(), c.name() + ": " + r.text());
    String error = TestClient.JSON.readTree(r.body()).path("error").asText();
    assertTrue(error.toLowerCase(Locale.ROOT).contains(c.message().toLowerCase(Locale.ROOT)),
        c.name() + ": the message should name '" + c.message() + "', got: " + error);
    // The server still answers a valid request correctly.
    Raw ok = send(SERVER.server.port(), "POST", "/v1/models/half_plus_three:predict",
        Map.of("Content-Type", "application/json"), Body.of("{\"instances\": [1.0]}".getBytes(StandardCharsets.UTF_8)));
    assertEquals("{\"predictions\":[3.5]}", ok.text().replace(" ", ""));
  }

  @Test
  void theCorpusCoversEveryCategoryTheIssueNames() throws IOException {
    String names = String.join("\n", corpus().map(Case::name).toList()).toLowerCase(Locale.ROOT);
    for (String category : List.of("ragged", "shape", "datatype", "1e999", "nan", "infinity", "100 mb", "nested",
        "duplicate", "content type", "truncated", "header length", "gzip", "100000x100000", "../", "%2e%2e", "nul",
        "unicode")) {
      assertTrue(names.contains(category), "no case for " + category);
    }
  }

  // ---- bodies -------------------------------------------------------------------------------------------------

  /**
   * A request body: {@code length} bytes from {@code writer}; chunked when {@code chunked}; a negative length sends
   * the bytes as they are, framed by the request's own headers.
   */
  record Body(long length, boolean chunked, Writer writer, Map<String, String> headers) {
    static Body of(byte[] bytes) {
      return new Body(bytes.length, false, out -> out.write(bytes), Map.of());
    }

    Body with(String header, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(header, value);
      return new Body(length, chunked, writer, h);
    }
  }

  @FunctionalInterface
  interface Writer {
    void write(OutputStream out) throws IOException;
  }

  static Body generate(String name) throws IOException {
    return switch (name) {
      case "longNumber" -> Body.of(("{\"instances\": [1" + "0".repeat(500) + "]}").getBytes(StandardCharsets.UTF_8));
      case "deepNesting" -> Body.of(("{\"instances\": " + "[".repeat(100_000) + "1" + "]".repeat(100_000) + "}")
          .getBytes(StandardCharsets.UTF_8));
      case "gzipBomb" -> Body.of(gzipOfZeros(1L << 30));
      case "hundredMegabytes" -> new Body(100L << 20, false, NastyRequestsTest::hundredMegabytes, Map.of());
      case "hundredMegabytesChunked" -> new Body(100L << 20, true, NastyRequestsTest::hundredMegabytes, Map.of());
      case "bigBatch" -> Body.of(("{\"instances\": [" + "1,".repeat(5000) + "1]}").getBytes(StandardCharsets.UTF_8));
      case "binaryTruncated" -> binary(8, 4, null);
      case "binaryLyingLong" -> binary(4, 4, "100000");
      case "binaryLyingNegative" -> binary(4, 4, "-1");
      case "binaryLyingText" -> binary(4, 4, "12abc");
      case "binaryLyingShort" -> binary(4, 4, "10");
      case "binaryTrailing" -> binary(4, 12, null);
      case "pngLiar" -> Body.of(png(100_000, 100_000, true));
      case "pngTruncated" -> Body.of(java.util.Arrays.copyOf(png(20, 20, true), 40));
      case "pngZero" -> Body.of(png(0, 0, false));
      default -> throw new IllegalArgumentException("No generator " + name);
    };
  }

  /** 100 MB of a valid-looking JSON array, streamed in 64 KiB pieces. */
  private static void hundredMegabytes(OutputStream out) throws IOException {
    byte[] piece = "1.0,".repeat(16 * 1024).getBytes(StandardCharsets.US_ASCII);
    out.write("{\"instances\": [".getBytes(StandardCharsets.US_ASCII));
    for (long sent = 0; sent < (100L << 20); sent += piece.length) {
      out.write(piece);
    }
  }

  /** A binary OIP request for half_plus_three: {@code declared} bytes announced, {@code actual} sent. */
  private static Body binary(int declared, int actual, String headerLength) {
    byte[] header = ("{\"inputs\": [{\"name\": \"x\", \"shape\": [" + (declared / 4) + "], \"datatype\": \"FP32\", "
        + "\"parameters\": {\"binary_data_size\": " + declared + "}}]}").getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(header.length + actual).order(ByteOrder.LITTLE_ENDIAN);
    b.put(header);
    while (b.remaining() >= 4) {
      b.putFloat(1f);
    }
    return Body.of(b.array()).with(InferenceProtocolApi.HEADER_LENGTH,
        headerLength == null ? Integer.toString(header.length) : headerLength);
  }

  static byte[] gzipOfZeros(long size) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes) {
      {
        def.setLevel(Deflater.BEST_COMPRESSION);
      }
    }) {
      byte[] zeros = new byte[1 << 20];
      for (long n = 0; n < size; n += zeros.length) {
        gz.write(zeros);
      }
    }
    return bytes.toByteArray();
  }

  /** A grayscale PNG whose IHDR claims {@code width × height} but holds one row of 20 pixels. */
  static byte[] png(int width, int height, boolean withData) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 0)
        .put((byte) 0).put((byte) 0).put((byte) 0).array());
    if (withData) {
      Deflater d = new Deflater();
      d.setInput(new byte[21]);
      d.finish();
      byte[] z = new byte[64];
      int n = d.deflate(z);
      d.end();
      chunk(out, "IDAT", java.util.Arrays.copyOf(z, n));
    }
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.write(ByteBuffer.allocate(4).putInt(data.length).array());
    out.write(t);
    out.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  // ---- a raw HTTP/1.1 client: sends paths byte for byte, reads the answer even when the server stops reading --

  record Raw(int status, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  static Raw send(int port, String method, String path, Map<String, String> headers, Body body) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(20_000);
      CompletableFuture<byte[]> answer = new CompletableFuture<>();
      Thread reader = new Thread(() -> {
        try {
          answer.complete(s.getInputStream().readAllBytes());
        } catch (IOException | RuntimeException e) {
          answer.completeExceptionally(e);
        }
      }, "nasty-reader");
      reader.setDaemon(true);
      reader.start();
      OutputStream out = s.getOutputStream();
      StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Connection: close\r\n");
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      if (body != null && body.length() >= 0) {
        head.append(body.chunked() ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length() + "\r\n");
      }
      head.append("\r\n");
      try {
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        if (body != null) {
          OutputStream sink = body.chunked() ? new Chunked(out) : out;
          java.io.BufferedOutputStream buffered = new java.io.BufferedOutputStream(sink, 64 * 1024);
          body.writer().write(buffered);
          buffered.flush();
          if (body.chunked()) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          }
        }
        out.flush();
      } catch (IOException stoppedReading) {
        // The server answered early and closed: read what it said.
      }
      byte[] raw = answer.get(30, TimeUnit.SECONDS);
      return parse(raw);
    }
  }

  static Raw parse(byte[] raw) {
    String all = new String(raw, StandardCharsets.ISO_8859_1);
    int end = all.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new AssertionError("No HTTP response: '" + all + "'");
    }
    String head = all.substring(0, end);
    int status = Integer.parseInt(head.substring(9, 12));
    String rest = all.substring(end + 4);
    if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
      StringBuilder b = new StringBuilder();
      int at = 0;
      while (true) {
        int eol = rest.indexOf("\r\n", at);
        int n = Integer.parseInt(rest.substring(at, eol).trim(), 16);
        if (n == 0) {
          break;
        }
        b.append(rest, eol + 2, eol + 2 + n);
        at = eol + 2 + n + 2;
      }
      rest = b.toString();
    }
    return new Raw(status, rest.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Chunked transfer encoding over {@code out}. */
  private static final class Chunked extends OutputStream {
    private final OutputStream out;

    Chunked(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return;
      }
      out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(b, off, len);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }
  }

}
