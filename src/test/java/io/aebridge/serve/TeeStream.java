package io.aebridge.serve;

/** Writes to two streams (tests that capture a log while still showing it). */
public final class TeeStream extends java.io.OutputStream {
  private final java.io.OutputStream a;
  private final java.io.OutputStream b;

  public TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
    this.a = a;
    this.b = b;
  }

  @Override
  public synchronized void write(int x) throws java.io.IOException {
    a.write(x);
    b.write(x);
  }

  @Override
  public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
    a.write(buf, off, len);
    b.write(buf, off, len);
  }

  @Override
  public void flush() throws java.io.IOException {
    a.flush();
    b.flush();
  }
}
