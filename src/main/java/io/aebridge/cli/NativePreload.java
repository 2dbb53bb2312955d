package io.aebridge.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import org.tensorflow.TensorFlow;

/**
 * Loads TensorFlow's native library on a background thread while the server starts its HTTP side, so the two
 * largest start-up costs overlap instead of queueing (the first model load would otherwise pay the native load
 * after Jetty is up). Loading is idempotent and synchronised inside TensorFlow Java, so a model load that comes
 * first simply waits for it.
 */
final class NativePreload {
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  private NativePreload() {}

  /**
   * Starts the load and returns at once (only the first call starts it); failures surface later, where a model
   * load reports them.
   */
  static void start() {
    if (!STARTED.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(() -> {
      try {
        TensorFlow.version();
      } catch (RuntimeException | LinkageError e) {
        // The first model load hits the same error and reports it with the model's path.
      }
    }, "aebridge-native-preload");
    t.setDaemon(true);
    t.start();
  }
}
