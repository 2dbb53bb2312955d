package io.aebridge.keras;

import io.aebridge.keras.KerasConfig.Model;
import io.aebridge.keras.KerasConfig.Node;
import io.aebridge.keras.KerasConfig.Ref;
import io.aebridge.keras.WeightStore.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Operand;
import org.tensorflow.OperationBuilder;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;

/**
 * Rebuilds a parsed Keras model as TensorFlow ops, the way Keras' TensorFlow backend computes each layer at
 * inference. Weights become variables (one per Keras weight, created once per layer even when the layer or its
 * model is called several times) whose values are kept in {@link #initialValues()} for the caller to assign.
 * Static shapes are tracked here ({@code -1} for the batch) so every weight is checked against the config before
 * its data is read. Not thread-safe; one builder per graph.
 */
final class GraphBuilder {
  /** A tensor with its static shape, batch first ({@code -1}). */
  record T(Operand<TFloat32> op, long[] shape) {
    int rank() {
      return shape.length;
    }

    long perSample() {
      long n = 1;
      for (int i = 1; i < shape.length; i++) {
        n = Math.multiplyExact(n, shape[i]);
      }
      return n;
    }
  }

  /** A created variable and the values it must be assigned before use. */
  record Initial(Variable<TFloat32> variable, long[] shape, float[] values) {}

  /** Thrown for models whose structure cannot be built (shapes, cycles); the caller adds the file. */
  static final class BuildException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BuildException(String message) {
      super(message);
    }
  }

  private final Ops tf;
  private final WeightStore weights;
  private final Map<String, List<Variable<TFloat32>>> variables = new HashMap<>();
  private final List<Initial> initial = new ArrayList<>();

  GraphBuilder(Ops tf, WeightStore weights) {
    this.tf = tf;
    this.weights = weights;
  }

  /** Every variable created so far with its value from the file, in creation order. */
  List<Initial> initialValues() {
    return List.copyOf(initial);
  }

  /**
   * The outputs of {@code model} called on {@code inputs}.
   *
   * @param prefix where {@code model} sits inside the top model (empty for the top model)
   * @param replaced tensors that stand in for a layer's output ({@code layer name → tensor}), e.g. a fed code
   * @param inputsAllowed false when the result must not depend on the model's inputs (a decoder built from a code)
   */
  List<T> model(List<Step> prefix, Model model, List<T> inputs, Map<String, T> replaced, boolean inputsAllowed) {
    return tensors(prefix, model, inputs, replaced, inputsAllowed, model.outputs());
  }

  /** As {@link #model}, for any tensors {@code refs} of the model (ops shared between them). */
  List<T> tensors(List<Step> prefix, Model model, List<T> inputs, Map<String, T> replaced, boolean inputsAllowed,
      List<Ref> refs) {
    Evaluation e = new Evaluation(prefix, model, inputs, replaced, inputsAllowed);
    List<T> outputs = new ArrayList<>();
    for (Ref r : refs) {
      outputs.add(e.tensor(r));
    }
    return outputs;
  }

  private final class Evaluation {
    private final List<Step> prefix;
    private final Model model;
    private final List<T> inputs;
    private final Map<String, T> replaced;
    private final boolean inputsAllowed;
    private final Map<String, List<T>> done = new HashMap<>();
    private final Set<String> inProgress = new HashSet<>();

    Evaluation(List<Step> prefix, Model model, List<T> inputs, Map<String, T> replaced, boolean inputsAllowed) {
      this.prefix = prefix;
      this.model = model;
      this.inputs = inputs;
      this.replaced = replaced;
      this.inputsAllowed = inputsAllowed;
    }

    T tensor(Ref ref) {
      if (replaced.containsKey(ref.layer())) {
        return replaced.get(ref.layer());
      }
      int index = model.indexOf(ref.layer());
      Node node = model.layers().get(index);
      if (node.layer() instanceof LayerSpec.Input) {
        for (int i = 0; i < model.inputs().size(); i++) {
          if (model.inputs().get(i).layer().equals(ref.layer())) {
            if (!inputsAllowed) {
              throw new BuildException("the part after the code layer also depends on model input '"
                  + ref.layer() + "' (a skip connection): it cannot be run from a code alone");
            }
            return inputs.get(i);
          }
        }
        throw new BuildException("input layer '" + ref.layer() + "' of model '" + model.name()
            + "' is not among its input_layers");
      }
      String key = ref.layer() + "#" + ref.node();
      List<T> outs = done.get(key);
      if (outs == null) {
        if (!inProgress.add(key)) {
          throw new BuildException("layer '" + ref.layer() + "' depends on its own output (a cycle in the config)");
        }
        if (ref.node() >= node.calls().size()) {
          throw new BuildException("layer '" + ref.layer() + "' is referenced at call " + ref.node() + " but is "
              + "called " + node.calls().size() + " time(s)");
        }
        List<T> args = new ArrayList<>();
        for (Ref arg : node.calls().get(ref.node())) {
          args.add(tensor(arg));
        }
        List<Step> path = new ArrayList<>(prefix);
        path.add(new Step(model, index));
        outs = apply(path, node.layer(), args);
        done.put(key, outs);
        inProgress.remove(key);
      }
      if (ref.tensor() >= outs.size()) {
        throw new BuildException("layer '" + ref.layer() + "' has " + outs.size() + " output(s), tensor "
            + ref.tensor() + " is referenced");
      }
      return outs.get(ref.tensor());
    }
  }

  private List<T> apply(List<Step> path, LayerSpec layer, List<T> args) {
    String where = "layer '" + WeightStore.pathName(path) + "' (class " + layer.className() + ")";
    if (!(layer instanceof LayerSpec.Nested) && !(layer instanceof LayerSpec.Add)
        && !(layer instanceof LayerSpec.Concatenate) && args.size() != 1) {
      throw new BuildException(where + " is called on " + args.size() + " tensors; it takes one");
    }
    if (layer instanceof LayerSpec.Nested n) {
      if (args.size() != n.model().inputs().size()) {
        throw new BuildException(where + " takes " + n.model().inputs().size() + " input(s), is called on "
            + args.size());
      }
      return nested(path, n, args);
    }
    T x = args.get(0);
    Ops s = tf.withSubScope(scopeName(WeightStore.pathName(path)));
    try {
      return List.of(single(s, path, layer, x, args, where));
    } catch (ArithmeticException e) {
      throw new BuildException(where + ": shapes overflow (" + e.getMessage() + ")");
    }
  }

  private T single(Ops s, List<Step> path, LayerSpec layer, T x, List<T> args, String where) {
    if (layer instanceof LayerSpec.Input || layer instanceof LayerSpec.Identity) {
      return x;
    } else if (layer instanceof LayerSpec.Dense d) {
      return dense(s, path, d, x, where);
    } else if (layer instanceof LayerSpec.Conv c) {
      return conv(s, path, c, x, where);
    } else if (layer instanceof LayerSpec.Pool p) {
      return pool(s, p, x, where);
    } else if (layer instanceof LayerSpec.UpSampling u) {
      return upSample(s, u, x, where);
    } else if (layer instanceof LayerSpec.Margins m) {
      return margins(s, m, x, where);
    } else if (layer instanceof LayerSpec.Flatten) {
      return new T(s.reshape(x.op(), s.constant(new long[] {-1, x.perSample()})), new long[] {-1, x.perSample()});
    } else if (layer instanceof LayerSpec.Reshape r) {
      return reshape(s, r, x, where);
    } else if (layer instanceof LayerSpec.Activation a) {
      return new T(activate(s, x.op(), a.activation()), x.shape());
    } else if (layer instanceof LayerSpec.LeakyRelu l) {
      return new T(s.nn.leakyRelu(x.op(), LeakyRelu.alpha(l.slope())), x.shape());
    } else if (layer instanceof LayerSpec.BatchNorm b) {
      return batchNorm(s, path, b, x, where);
    } else if (layer instanceof LayerSpec.Add) {
      return add(s, args, where);
    } else if (layer instanceof LayerSpec.Concatenate c) {
      return concatenate(s, c, args, where);
    }
    throw new BuildException(where + " has no TensorFlow mapping");
  }

  private List<T> nested(List<Step> path, LayerSpec.Nested n, List<T> args) {
    for (int i = 0; i < args.size(); i++) {
      Node in = n.model().node(n.model().inputs().get(i).layer());
      long[] want = ((LayerSpec.Input) in.layer()).shape();
      if (!Arrays.equals(Arrays.copyOfRange(args.get(i).shape(), 1, args.get(i).rank()), want)) {
        throw new BuildException("layer '" + WeightStore.pathName(path) + "' expects input " + i + " of shape "
            + Arrays.toString(want) + ", gets " + Arrays.toString(args.get(i).shape()));
      }
    }
    return model(path, n.model(), args, Map.of(), true);
  }

  static String scopeName(String name) {
    String s = name.replaceAll("[^A-Za-z0-9_.\\-]", "_");
    return s.isEmpty() || !Character.isLetterOrDigit(s.charAt(0)) ? "l" + s : s;
  }

  /** The layer's variables, created and filled from the file on its first call. */
  private List<Variable<TFloat32>> variables(Ops s, List<Step> path, List<long[]> shapes) {
    String key = WeightStore.pathName(path);
    List<Variable<TFloat32>> vars = variables.get(key);
    if (vars != null) {
      return vars;
    }
    List<float[]> values = weights.read(path, shapes);
    vars = new ArrayList<>();
    for (int i = 0; i < shapes.size(); i++) {
      Variable<TFloat32> v = s.withName("w" + i).variable(Shape.of(shapes.get(i)), TFloat32.class);
      vars.add(v);
      initial.add(new Initial(v, shapes.get(i), values.get(i)));
    }
    variables.put(key, vars);
    return vars;
  }

  private T dense(Ops s, List<Step> path, LayerSpec.Dense d, T x, String where) {
    if (x.rank() < 2) {
      throw new BuildException(where + " needs an input of rank ≥ 2, gets " + Arrays.toString(x.shape()));
    }
    long in = x.shape()[x.rank() - 1];
    List<long[]> shapes = new ArrayList<>(List.of(new long[] {in, d.units()}));
    if (d.useBias()) {
      shapes.add(new long[] {d.units()});
    }
    List<Variable<TFloat32>> w = variables(s, path, shapes);
    Operand<TFloat32> flat = x.rank() == 2 ? x.op() : s.reshape(x.op(), s.constant(new long[] {-1, in}));
    Operand<TFloat32> y = s.linalg.matMul(flat, w.get(0));
    if (d.useBias()) {
      y = s.nn.biasAdd(y, w.get(1));
    }
    long[] shape = x.shape().clone();
    shape[shape.length - 1] = d.units();
    if (x.rank() != 2) {
      y = s.reshape(y, s.constant(shape));
    }
    return new T(activate(s, y, d.activation()), shape);
  }

  private static long[] hw(T x, String where) {
    if (x.rank() != 4) {
      throw new BuildException(where + " needs an image batch [batch, height, width, channels], gets "
          + Arrays.toString(x.shape()));
    }
    return x.shape();
  }

  private static long convLength(long in, int kernel, int stride, int dilation, String padding) {
    long k = kernel + (long) (kernel - 1) * (dilation - 1);
    return padding.equals("same") ? Math.floorDiv(in + stride - 1, stride) : Math.floorDiv(in - k, stride) + 1;
  }

  /** Keras' {@code deconv_output_length}. */
  private static long deconvLength(long in, int kernel, int stride, String padding, Integer outputPadding) {
    if (outputPadding == null) {
      return padding.equals("same") ? in * stride : in * stride + Math.max(kernel - stride, 0);
    }
    int pad = padding.equals("same") ? kernel / 2 : 0;
    return (in - 1) * stride + kernel - 2L * pad + outputPadding;
  }

  private T conv(Ops s, List<Step> path, LayerSpec.Conv c, T x, String where) {
    long[] in = hw(x, where);
    int[] k = c.kernelSize();
    long channels = in[3];
    List<long[]> shapes = new ArrayList<>();
    shapes.add(c.transposed() ? new long[] {k[0], k[1], c.filters(), channels}
        : new long[] {k[0], k[1], channels, c.filters()});
    if (c.useBias()) {
      shapes.add(new long[] {c.filters()});
    }
    List<Variable<TFloat32>> w = variables(s, path, shapes);
    List<Long> strides = List.of(1L, (long) c.strides()[0], (long) c.strides()[1], 1L);
    String padding = c.padding().toUpperCase(java.util.Locale.ROOT);
    Operand<TFloat32> y;
    long[] out;
    if (c.transposed()) {
      long h = deconvLength(in[1], k[0], c.strides()[0], c.padding(),
          c.outputPadding() == null ? null : c.outputPadding()[0]);
      long wd = deconvLength(in[2], k[1], c.strides()[1], c.padding(),
          c.outputPadding() == null ? null : c.outputPadding()[1]);
      out = new long[] {-1, h, wd, c.filters()};
      var batch = s.stridedSlice(s.shape(x.op()), Indices.slice(0, 1));
      var outputShape = s.stopGradient(s.concat(List.of(batch,
          s.constant(new int[] {Math.toIntExact(h), Math.toIntExact(wd), c.filters()})), s.constant(0)));
      y = s.nn.conv2dBackpropInput(outputShape, w.get(0), x.op(), strides, padding);
    } else {
      int[] d = c.dilationRate();
      out = new long[] {-1, convLength(in[1], k[0], c.strides()[0], d[0], c.padding()),
          convLength(in[2], k[1], c.strides()[1], d[1], c.padding()), c.filters()};
      y = s.nn.conv2d(x.op(), w.get(0), strides, padding, Conv2d.dilations(List.of(1L, (long) d[0], (long) d[1], 1L)));
    }
    if (out[1] <= 0 || out[2] <= 0) {
      throw new BuildException(where + " turns " + Arrays.toString(in) + " into an empty map " + Arrays.toString(out));
    }
    if (c.useBias()) {
      y = s.nn.biasAdd(y, w.get(1));
    }
    return new T(activate(s, y, c.activation()), out);
  }

  private T pool(Ops s, LayerSpec.Pool p, T x, String where) {
    long[] in = hw(x, where);
    long[] window = {1, p.poolSize()[0], p.poolSize()[1], 1};
    long[] strides = {1, p.strides()[0], p.strides()[1], 1};
    long[] out = {-1, convLength(in[1], p.poolSize()[0], p.strides()[0], 1, p.padding()),
        convLength(in[2], p.poolSize()[1], p.strides()[1], 1, p.padding()), in[3]};
    if (out[1] <= 0 || out[2] <= 0) {
      throw new BuildException(where + " turns " + Arrays.toString(in) + " into an empty map " + Arrays.toString(out));
    }
    // The window in attributes (MaxPool/AvgPool), as Keras emits; oneDNN rewrites only these on CPU.
    OperationBuilder b = s.scope().opBuilder(p.max() ? "MaxPool" : "AvgPool", p.max() ? "MaxPool" : "AvgPool");
    b.addInput(x.op().asOutput());
    b.setAttr("ksize", window);
    b.setAttr("strides", strides);
    b.setAttr("padding", p.padding().toUpperCase(java.util.Locale.ROOT));
    return new T(b.build().output(0), out);
  }

  private T upSample(Ops s, LayerSpec.UpSampling u, T x, String where) {
    long[] in = hw(x, where);
    long h = Math.multiplyExact(in[1], u.size()[0]);
    long w = Math.multiplyExact(in[2], u.size()[1]);
    var size = s.constant(new int[] {Math.toIntExact(h), Math.toIntExact(w)});
    // Nearest: integer factors make resize-nearest equal Keras' repeat along both axes.
    // Bilinear: Keras calls tf.image.resize, i.e. ResizeBilinear with half-pixel centres.
    Operand<TFloat32> y = u.interpolation().equals("bilinear")
        ? s.image.resizeBilinear(x.op(), size, ResizeBilinear.halfPixelCenters(true))
        : s.image.resizeNearestNeighbor(x.op(), size);
    return new T(y, new long[] {-1, h, w, in[3]});
  }

  private T margins(Ops s, LayerSpec.Margins m, T x, String where) {
    long[] in = hw(x, where);
    if (m.padding()) {
      Operand<TFloat32> y = s.pad(x.op(), s.constant(new int[][] {{0, 0}, {m.top(), m.bottom()},
          {m.left(), m.right()}, {0, 0}}), s.constant(0f));
      return new T(y, new long[] {-1, in[1] + m.top() + m.bottom(), in[2] + m.left() + m.right(), in[3]});
    }
    long h = in[1] - m.top() - m.bottom();
    long w = in[2] - m.left() - m.right();
    if (h <= 0 || w <= 0) {
      throw new BuildException(where + " crops " + Arrays.toString(in) + " to nothing");
    }
    Operand<TFloat32> y = s.slice(x.op(), s.constant(new int[] {0, m.top(), m.left(), 0}),
        s.constant(new int[] {-1, Math.toIntExact(h), Math.toIntExact(w), -1}));
    return new T(y, new long[] {-1, h, w, in[3]});
  }

  private T reshape(Ops s, LayerSpec.Reshape r, T x, String where) {
    long[] target = r.targetShape().clone();
    long known = 1;
    int unknown = -1;
    for (int i = 0; i < target.length; i++) {
      if (target[i] == -1) {
        unknown = i;
      } else {
        known = Math.multiplyExact(known, target[i]);
      }
    }
    long total = x.perSample();
    if (unknown >= 0) {
      if (total % known != 0) {
        throw new BuildException(where + " cannot reshape " + Arrays.toString(x.shape()) + " into "
            + Arrays.toString(r.targetShape()));
      }
      target[unknown] = total / known;
      known = total;
    }
    if (known != total) {
      throw new BuildException(where + " cannot reshape " + Arrays.toString(x.shape()) + " (" + total
          + " values per sample) into " + Arrays.toString(r.targetShape()));
    }
    long[] shape = new long[target.length + 1];
    shape[0] = -1;
    System.arraycopy(target, 0, shape, 1, target.length);
    return new T(s.reshape(x.op(), s.constant(shape)), shape);
  }

  private T batchNorm(Ops s, List<Step> path, LayerSpec.BatchNorm b, T x, String where) {
    int axis = b.axisIndex();
    if (axis != -1 && axis != x.rank() - 1) {
      throw new BuildException(where + " normalises axis " + axis + " of " + Arrays.toString(x.shape())
          + "; only the last (channels) axis is supported");
    }
    long c = x.shape()[x.rank() - 1];
    List<long[]> shapes = new ArrayList<>();
    for (int i = 0; i < b.weightCount(); i++) {
      shapes.add(new long[] {c});
    }
    List<Variable<TFloat32>> w = variables(s, path, shapes);
    int i = 0;
    Operand<TFloat32> gamma = b.scale() ? w.get(i++) : null;
    Operand<TFloat32> beta = b.center() ? w.get(i++) : null;
    Operand<TFloat32> mean = w.get(i++);
    Operand<TFloat32> variance = w.get(i);
    // tf.nn.batch_normalization, which Keras' TensorFlow backend calls: x·inv + (β − μ·inv), inv = γ/√(σ²+ε).
    Operand<TFloat32> inv = s.math.rsqrt(s.math.add(variance, s.constant(b.epsilon().floatValue())));
    if (gamma != null) {
      inv = s.math.mul(inv, gamma);
    }
    Operand<TFloat32> shift = s.math.mul(mean, inv);
    Operand<TFloat32> offset = beta != null ? s.math.sub(beta, shift) : s.math.neg(shift);
    return new T(s.math.add(s.math.mul(x.op(), inv), offset), x.shape());
  }

  private T add(Ops s, List<T> args, String where) {
    if (args.size() < 2) {
      throw new BuildException(where + " needs at least 2 inputs, gets " + args.size());
    }
    T first = args.get(0);
    Operand<TFloat32> sum = first.op();
    for (T t : args.subList(1, args.size())) {
      if (!Arrays.equals(t.shape(), first.shape())) {
        throw new BuildException(where + " adds tensors of shapes " + Arrays.toString(first.shape()) + " and "
            + Arrays.toString(t.shape()));
      }
      sum = s.math.add(sum, t.op());
    }
    return new T(sum, first.shape());
  }

  private T concatenate(Ops s, LayerSpec.Concatenate c, List<T> args, String where) {
    T first = args.get(0);
    int axis = c.axis() < 0 ? first.rank() + c.axis() : c.axis();
    if (axis <= 0 || axis >= first.rank()) {
      throw new BuildException(where + " concatenates along axis " + c.axis() + " of " + Arrays.toString(first.shape()));
    }
    long[] shape = first.shape().clone();
    shape[axis] = 0;
    List<Operand<TFloat32>> ops = new ArrayList<>();
    for (T t : args) {
      if (t.rank() != first.rank()) {
        throw new BuildException(where + " concatenates tensors of different ranks");
      }
      for (int i = 1; i < t.rank(); i++) {
        if (i != axis && t.shape()[i] != first.shape()[i]) {
          throw new BuildException(where + " concatenates " + Arrays.toString(first.shape()) + " and "
              + Arrays.toString(t.shape()) + " along axis " + c.axis());
        }
      }
      shape[axis] += t.shape()[axis];
      ops.add(t.op());
    }
    return new T(s.concat(ops, s.constant(axis)), shape);
  }

  static Operand<TFloat32> activate(Ops s, Operand<TFloat32> x, KerasActivation a) {
    return switch (a) {
      case LINEAR -> x;
      case RELU -> s.nn.relu(x);
      case SIGMOID -> s.math.sigmoid(x);
      case TANH -> s.math.tanh(x);
      case SOFTMAX -> s.nn.softmax(x);
      case ELU -> s.nn.elu(x);
      case SELU -> s.nn.selu(x);
      case SOFTPLUS -> s.math.softplus(x);
      // tf.nn.gelu(approximate=False): 0.5·x·(1 + erf(x/√2)).
      case GELU -> s.math.mul(s.math.mul(s.constant(0.5f), x),
          s.math.add(s.constant(1f), s.math.erf(s.math.div(x, s.constant((float) Math.sqrt(2.0))))));
    };
  }
}
