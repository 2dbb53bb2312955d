package io.aebridge.train;

import io.aebridge.data.Dataset;
import io.aebridge.graph.AutoencoderGraph;
import io.aebridge.graph.ModelWeights;
import io.aebridge.graph.Objective;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.LossKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A trained autoencoder still in its training graph. Owns the {@link Graph} and {@link Session}: close it (try-with-
 * resources) to free native memory; every method throws {@link IllegalStateException} after close. Inference
 * methods may be called from several threads (the session is thread-safe); {@link #close()} must not race them.
 */
public final class TrainedModel implements AutoCloseable {
  private final AutoencoderSpec spec;
  private final LossKind loss;
  private final Graph graph;
  private final Session session;
  private final AutoencoderGraph model;
  private final Objective objective;
  private final List<Variable<TFloat32>> variables;
  private final TrainingHistory history;
  private final AtomicBoolean closed = new AtomicBoolean();

  TrainedModel(AutoencoderSpec spec, LossKind loss, Graph graph, Session session, AutoencoderGraph model,
      Objective objective, List<Variable<TFloat32>> variables, TrainingHistory history) {
    this.spec = spec;
    this.loss = loss;
    this.graph = graph;
    this.session = session;
    this.model = model;
    this.objective = objective;
    this.variables = variables;
    this.history = history;
  }

  public AutoencoderSpec spec() {
    return spec;
  }

  /** The loss the model was trained with ({@code auto} resolved). */
  public LossKind loss() {
    return loss;
  }

  public TrainingHistory history() {
    return history;
  }

  /** Copies every trained variable out of native memory. */
  public ModelWeights weights() {
    checkOpen();
    Map<String, ModelWeights.Tensor> values = new LinkedHashMap<>();
    Session.Runner runner = session.runner();
    variables.forEach(runner::fetch);
    try (Result result = runner.run()) {
      for (int i = 0; i < variables.size(); i++) {
        TFloat32 t = (TFloat32) result.get(i);
        float[] data = new float[(int) t.size()];
        t.copyTo(DataBuffers.of(data, false, false));
        values.put(variables.get(i).op().name(), new ModelWeights.Tensor(t.shape().asArray(), data));
      }
    }
    return new ModelWeights(values);
  }

  /** Reconstructions of the samples in {@code inputs}, row-major, shaped like the inputs. */
  public float[] reconstruct(Dataset inputs) {
    return runForward(model.input(), model.reconstruction(), inputs.values(), inputs.count(), spec.inputSize());
  }

  /** Codes of the samples in {@code inputs}, {@code count × codeSize} (or {@code count × h × w × c}). */
  public float[] encode(Dataset inputs) {
    return runForward(model.input(), model.code(), inputs.values(), inputs.count(), spec.inputSize());
  }

  /** Reconstructions of {@code count} codes laid out row-major. */
  public float[] decode(float[] codes, int count) {
    int codeSize = spec.codeShape().stream().reduce(1, (a, b) -> a * b);
    return runForward(model.codeInput(), model.decoded(), codes, count, codeSize);
  }

  /**
   * Mean reconstruction loss and penalty of {@code inputs} against {@code targets}, computed in batches.
   *
   * @return {@code [reconstructionLoss, penalty]}
   */
  public double[] evaluate(Dataset inputs, Dataset targets, int batchSize) {
    checkOpen();
    return Batches.evaluate(session, model, objective, spec, inputs.values(), targets.values(), inputs.count(),
        batchSize);
  }

  private float[] runForward(Operand<TFloat32> feed, Operand<TFloat32> fetch, float[] values, int count,
      int sampleSize) {
    checkOpen();
    int chunk = 1024;
    long outPerSample = 1;
    for (int i = 1; i < fetch.shape().numDimensions(); i++) {
      outPerSample *= fetch.shape().get(i);
    }
    float[] out = new float[(int) (count * outPerSample)];
    for (int start = 0; start < count; start += chunk) {
      int n = Math.min(chunk, count - start);
      try (TFloat32 x = Batches.tensor(feed.shape(), values, start, n, sampleSize);
          Result result = session.runner().feed(feed, x).fetch(fetch).run()) {
        TFloat32 y = (TFloat32) result.get(0);
        y.copyTo(DataBuffers.of(out, false, false).offset(start * outPerSample).narrow(n * outPerSample));
      }
    }
    return out;
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("TrainedModel '" + spec.name() + "' is closed");
    }
  }

  /** Closes the session, then the graph. Idempotent. */
  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    try (graph) {
      session.close();
    }
  }
}
