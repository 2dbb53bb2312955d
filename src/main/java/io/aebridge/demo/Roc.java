package io.aebridge.demo;

import java.util.Arrays;

/**
 * Anomaly-score statistics: the threshold at a quantile of normal scores, the ROC curve and its area, and precision
 * and recall at a threshold. Scores are "higher = more anomalous"; positives are the anomalies. Stateless.
 */
final class Roc {
  private Roc() {}

  /** The {@code q}-quantile of {@code scores} (linear interpolation between order statistics, as NumPy's default). */
  static double quantile(double[] scores, double q) {
    double[] s = scores.clone();
    Arrays.sort(s);
    double at = q * (s.length - 1);
    int lo = (int) Math.floor(at);
    int hi = Math.min(s.length - 1, lo + 1);
    return s[lo] + (at - lo) * (s[hi] - s[lo]);
  }

  /**
   * The area under the ROC curve: the probability that a random anomaly scores above a random normal sample, ties
   * counting one half (the Mann–Whitney statistic).
   */
  static double auc(double[] normal, double[] anomalies) {
    double[] sorted = normal.clone();
    Arrays.sort(sorted);
    double sum = 0;
    for (double a : anomalies) {
      int below = lowerBound(sorted, a);
      int notAbove = upperBound(sorted, a);
      sum += below + 0.5 * (notAbove - below);
    }
    return sum / ((double) normal.length * anomalies.length);
  }

  /** The ROC curve's points {@code [fpr[], tpr[]]}, from (0,0) to (1,1), one per distinct score. */
  static double[][] curve(double[] normal, double[] anomalies) {
    double[] all = new double[normal.length + anomalies.length];
    System.arraycopy(normal, 0, all, 0, normal.length);
    System.arraycopy(anomalies, 0, all, normal.length, anomalies.length);
    double[] thresholds = Arrays.stream(all).distinct().sorted().toArray();
    int points = Math.min(thresholds.length, 400);
    double[] fpr = new double[points + 2];
    double[] tpr = new double[points + 2];
    fpr[0] = 1;
    tpr[0] = 1;
    for (int i = 0; i < points; i++) {
      double t = thresholds[(int) ((long) i * (thresholds.length - 1) / Math.max(1, points - 1))];
      fpr[i + 1] = fractionAbove(normal, t);
      tpr[i + 1] = fractionAbove(anomalies, t);
    }
    return new double[][] {reverse(fpr), reverse(tpr)};
  }

  /** Fraction of {@code scores} strictly above {@code threshold}. */
  static double fractionAbove(double[] scores, double threshold) {
    int n = 0;
    for (double s : scores) {
      n += s > threshold ? 1 : 0;
    }
    return (double) n / scores.length;
  }

  /** Precision of "score above threshold means anomaly": flagged anomalies / everything flagged (NaN if none). */
  static double precision(double[] normal, double[] anomalies, double threshold) {
    double tp = fractionAbove(anomalies, threshold) * anomalies.length;
    double fp = fractionAbove(normal, threshold) * normal.length;
    return tp / (tp + fp);
  }

  private static double[] reverse(double[] a) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[a.length - 1 - i];
    }
    return r;
  }

  private static int lowerBound(double[] sorted, double v) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static int upperBound(double[] sorted, double v) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
