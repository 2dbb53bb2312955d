package io.aebridge.demo;

import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The plain classifiers the feature and reduction demos measure codes with, built from TensorFlow ops: multinomial
 * logistic regression (softmax, trained with the framework's Adam) and k-nearest neighbours (distances by one
 * matrix product, neighbours by {@code TopK}). Features are standardised with the training set's mean and spread
 * first, so raw pixels, PCA scores and codes meet the same optimiser on equal terms. Stateless.
 */
final class Classifiers {
  static final int CLASSES = 10;
  static final int KNN_CHUNK = 500;

  /**
   * A held-out accuracy and what the fit cost.
   *
   * @param accuracy fraction of held-out samples classified right
   * @param seconds wall time of the fit (logistic regression) or of the neighbour search (k-NN)
   */
  record Score(double accuracy, double seconds) {}

  private Classifiers() {}

  /**
   * Fits softmax regression on {@code train} ({@code n × d} row-major) with mini-batch Adam for {@code epochs},
   * then scores {@code test}.
   */
  static Score logisticRegression(float[] train, int[] trainLabels, float[] test, int[] testLabels, int d,
      int epochs, long seed) {
    float[][] standard = standardise(train, test, d);
    int n = trainLabels.length;
    long started = System.nanoTime();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, d)));
      Placeholder<TInt32> y = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      Ops init = tf.withInitScope();
      Variable<TFloat32> w = tf.variable(init.zeros(init.constant(new long[] {d, CLASSES}), TFloat32.class));
      Variable<TFloat32> b = tf.variable(init.zeros(init.constant(new long[] {CLASSES}), TFloat32.class));
      Operand<TFloat32> logits = tf.math.add(tf.linalg.matMul(x, w), b);
      // −Σ onehot·log softmax: TensorFlow's C++ gradient registry (which the Java optimisers use) has LogSoftmax's
      // gradient but not SparseSoftmaxCrossEntropyWithLogits's.
      Operand<TFloat32> loss = tf.math.neg(tf.math.mean(tf.sum(tf.math.mul(
          tf.oneHot(y, tf.constant(CLASSES), tf.constant(1f), tf.constant(0f)), tf.nn.logSoftmax(logits)),
          tf.constant(1)), tf.constant(0)));
      Op step = new Adam(graph, 0.01f).minimize(loss);
      Operand<TInt64> predicted = tf.math.argMax(logits, tf.constant(1));
      try (Session session = new Session(graph)) {
        int batch = 256;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
          order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[] bx = new float[batch * d];
        int[] by = new int[batch];
        for (int epoch = 0; epoch < epochs; epoch++) {
          for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
          }
          for (int first = 0; first < n; first += batch) {
            int m = Math.min(batch, n - first);
            for (int i = 0; i < m; i++) {
              System.arraycopy(standard[0], order[first + i] * d, bx, i * d, d);
              by[i] = trainLabels[order[first + i]];
            }
            try (TFloat32 xt = TFloat32.tensorOf(Shape.of(m, d), DataBuffers.of(bx, true, false).narrow((long) m * d));
                TInt32 yt = TInt32.tensorOf(Shape.of(m), DataBuffers.of(by, true, false).narrow(m));
                Result r = session.runner().feed(x, xt).feed(y, yt).addTarget(step).run()) {
              // The step's only effect is on the variables.
            }
          }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        int m = testLabels.length;
        try (TFloat32 xt = TFloat32.tensorOf(Shape.of(m, d), DataBuffers.of(standard[1], true, false));
            Result r = session.runner().feed(x, xt).fetch(predicted).run()) {
          TInt64 p = (TInt64) r.get(0);
          int right = 0;
          for (int i = 0; i < m; i++) {
            right += p.getLong(i) == testLabels[i] ? 1 : 0;
          }
          return new Score((double) right / m, seconds);
        }
      }
    }
  }

  /** k-nearest-neighbour accuracy (Euclidean, majority vote, ties to the nearest) of {@code test} against {@code train}. */
  static Score knn(float[] train, int[] trainLabels, float[] test, int[] testLabels, int d, int k) {
    int n = trainLabels.length;
    int m = testLabels.length;
    long started = System.nanoTime();
    int right = 0;
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> q = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, d)));
      Placeholder<TFloat32> ref = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, d)));
      // ‖q − r‖² = ‖q‖² − 2 q·r + ‖r‖²; the neighbours are the top k of its negation.
      Operand<TFloat32> qq = tf.sum(tf.math.square(q), tf.constant(1), org.tensorflow.op.core.Sum.keepDims(true));
      Operand<TFloat32> rr = tf.sum(tf.math.square(ref), tf.constant(1));
      Operand<TFloat32> qr = tf.linalg.matMul(q, ref, org.tensorflow.op.linalg.MatMul.transposeB(true));
      Operand<TFloat32> distance = tf.math.add(tf.math.sub(qq, tf.math.mul(tf.constant(2f), qr)), rr);
      Operand<TInt32> nearest = tf.nn.topK(tf.math.neg(distance), tf.constant(k), TInt32.class).indices();
      try (Session session = new Session(graph);
          TFloat32 rt = TFloat32.tensorOf(Shape.of(n, d), DataBuffers.of(train, true, false))) {
        for (int first = 0; first < m; first += KNN_CHUNK) {
          int c = Math.min(KNN_CHUNK, m - first);
          float[] chunk = new float[c * d];
          System.arraycopy(test, first * d, chunk, 0, c * d);
          try (TFloat32 qt = TFloat32.tensorOf(Shape.of(c, d), DataBuffers.of(chunk, true, false));
              Result r = session.runner().feed(q, qt).feed(ref, rt).fetch(nearest).run()) {
            TInt32 idx = (TInt32) r.get(0);
            for (int i = 0; i < c; i++) {
              int[] votes = new int[CLASSES];
              int best = trainLabels[idx.getInt(i, 0)];
              for (int j = 0; j < k; j++) {
                int label = trainLabels[idx.getInt(i, j)];
                votes[label]++;
                if (votes[label] > votes[best]) {
                  best = label;
                }
              }
              right += best == testLabels[first + i] ? 1 : 0;
            }
          }
        }
      }
    }
    return new Score((double) right / m, (System.nanoTime() - started) / 1e9);
  }

  /** Both sets standardised per feature with the training set's mean and standard deviation (0 spread → 1). */
  static float[][] standardise(float[] train, float[] test, int d) {
    int n = train.length / d;
    double[] mean = new double[d];
    double[] sq = new double[d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        mean[j] += train[i * d + j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        double v = train[i * d + j] - mean[j];
        sq[j] += v * v;
      }
    }
    float[] scale = new float[d];
    for (int j = 0; j < d; j++) {
      double sd = Math.sqrt(sq[j] / n);
      scale[j] = sd > 1e-6 ? (float) (1 / sd) : 1f;
    }
    float[][] out = {train.clone(), test.clone()};
    for (float[] a : out) {
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) ((a[i] - mean[i % d]) * scale[i % d]);
      }
    }
    return out;
  }
}
