package io.aebridge.keras;

import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where a layer's weights are in the file's HDF5 tree. The two layouts differ: Keras 3's {@code model.weights.h5}
 * nests {@code layers/<key>/vars/<i>} per container (keys are snake-cased class names, made unique per container,
 * and Keras ≥ 3.? also writes the layer's name as an attribute of {@code vars}); legacy HDF5 files hold
 * {@code model_weights/<top-level layer>/} with a {@code weight_names} attribute listing {@code <layer>/<var>:0}
 * datasets (a nested model's group holds all its layers' weights).
 *
 * <p>Only shapes are read until they match what the config implies; the data is read afterwards, so a hostile
 * header cannot make the reader allocate what it declares.
 */
abstract class WeightStore {
  /** One layer's position: the index of a layer in a container model, from the top model down. */
  record Step(KerasConfig.Model container, int index) {
    LayerSpec layer() {
      return container.layers().get(index).layer();
    }
  }

  /** Thrown when the weights do not fit the config; the caller adds the file. */
  static final class Mismatch extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Mismatch(String message) {
      super(message);
    }
  }

  private long budget;

  WeightStore(long maxValues) {
    this.budget = maxValues;
  }

  /**
   * The weights of the layer at {@code path}, in Keras' order, each checked against {@code expected}.
   *
   * @throws Mismatch naming the layer when weights are missing, extra or of another shape
   */
  final List<float[]> read(List<Step> path, List<long[]> expected) {
    LayerSpec layer = path.get(path.size() - 1).layer();
    String where = "layer '" + pathName(path) + "' (class " + layer.className() + ")";
    try {
      return readChecked(path, layer, where, expected);
    } catch (Mismatch e) {
      throw e;
    } catch (RuntimeException e) {
      // jHDF reports damaged structures with assorted runtime exceptions; all mean the same to the caller.
      throw new Mismatch(where + ": its weights cannot be read from the file (" + e + ")");
    }
  }

  private List<float[]> readChecked(List<Step> path, LayerSpec layer, String where, List<long[]> expected) {
    List<Dataset> sets = datasets(path, layer, where);
    if (sets.size() != expected.size()) {
      throw new Mismatch(where + ": the file holds " + sets.size() + " weight arrays for it, the config needs "
          + expected.size() + " (" + shapes(expected) + ")");
    }
    for (int i = 0; i < sets.size(); i++) {
      long[] found = Arrays.stream(sets.get(i).getDimensions()).asLongStream().toArray();
      if (!Arrays.equals(found, expected.get(i))) {
        throw new Mismatch(where + ": weight " + i + " has shape " + Arrays.toString(found) + " in the file, the "
            + "config needs " + Arrays.toString(expected.get(i)));
      }
      long size = Arrays.stream(found).reduce(1, Math::multiplyExact);
      if (size > budget) {
        throw new Mismatch(where + ": weights exceed the import limit of " + budget + " more values");
      }
      budget -= size;
    }
    List<float[]> values = new ArrayList<>();
    for (Dataset d : sets) {
      values.add(floats(d, where));
    }
    return values;
  }

  abstract List<Dataset> datasets(List<Step> path, LayerSpec layer, String where);

  static String pathName(List<Step> path) {
    StringBuilder b = new StringBuilder();
    for (Step s : path) {
      b.append(b.isEmpty() ? "" : "/").append(s.layer().name());
    }
    return b.toString();
  }

  private static String shapes(List<long[]> shapes) {
    return shapes.stream().map(Arrays::toString).reduce((a, b) -> a + ", " + b).orElse("none");
  }

  private static float[] floats(Dataset d, String where) {
    Object flat = d.getDataFlat();
    if (flat instanceof float[] f) {
      return f;
    }
    if (flat instanceof double[] v) {
      float[] f = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        f[i] = (float) v[i];
      }
      return f;
    }
    throw new Mismatch(where + ": weights of type " + (flat == null ? "none" : flat.getClass().getSimpleName())
        + " at " + d.getPath() + "; float32 or float64 expected");
  }

  static Group group(Node node, String child, String where) {
    Node c = node instanceof Group g ? g.getChild(child) : null;
    if (!(c instanceof Group g2)) {
      throw new Mismatch(where + ": no weights in the file (no group '" + child + "' under '"
          + (node == null ? "/" : node.getPath()) + "')");
    }
    return g2;
  }

  /** Keras' {@code to_snake_case}: {@code Conv2DTranspose} → {@code conv2d_transpose}. */
  static String snakeCase(String className) {
    String s = className.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
    return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  /** Keras 3 {@code model.weights.h5}. */
  static final class Keras3 extends WeightStore {
    private final Group root;

    Keras3(Group root, long maxValues) {
      super(maxValues);
      this.root = root;
    }

    @Override
    List<Dataset> datasets(List<Step> path, LayerSpec layer, String where) {
      Group g = root;
      for (Step step : path) {
        Group layers = group(g, "layers", where);
        g = group(layers, key(layers, step), where);
      }
      Node vars = g.getChild("vars");
      List<Dataset> out = new ArrayList<>();
      if (vars instanceof Group v) {
        for (int i = 0; ; i++) {
          Node n = v.getChild(Integer.toString(i));
          if (!(n instanceof Dataset d)) {
            break;
          }
          out.add(d);
        }
      }
      return out;
    }

    /** The child of {@code layers} holding this layer: by its recorded name, else by Keras' naming rule. */
    private static String key(Group layers, Step step) {
      String name = step.layer().name();
      for (Node child : layers) {
        if (child instanceof Group g && g.getChild("vars") instanceof Group vars) {
          Attribute a = vars.getAttribute("name");
          if (a != null && name.equals(String.valueOf(a.getData()))) {
            return child.getName();
          }
        }
      }
      String base = step.layer() instanceof LayerSpec.Nested n
          ? (n.model().sequential() ? "sequential" : "functional") : snakeCase(step.layer().className());
      int seen = 0;
      for (int i = 0; i < step.index(); i++) {
        LayerSpec other = step.container().layers().get(i).layer();
        if (step.container().sequential() && other instanceof LayerSpec.Input) {
          continue;
        }
        String otherBase = other instanceof LayerSpec.Nested n
            ? (n.model().sequential() ? "sequential" : "functional") : snakeCase(other.className());
        if (otherBase.equals(base)) {
          seen++;
        }
      }
      return seen == 0 ? base : base + "_" + seen;
    }
  }

  /** Legacy Keras 2 / tf.keras HDF5 ({@code model_weights} group). */
  static final class Legacy extends WeightStore {
    private final Group modelWeights;

    Legacy(Group modelWeights, long maxValues) {
      super(maxValues);
      this.modelWeights = modelWeights;
    }

    @Override
    List<Dataset> datasets(List<Step> path, LayerSpec layer, String where) {
      Group top = group(modelWeights, path.get(0).layer().name(), where);
      List<String> names = weightNames(top);
      List<String> chosen = new ArrayList<>();
      if (path.size() == 1) {
        chosen.addAll(names);
      } else {
        // A nested model's group lists every inner weight as "<inner layer>/<variable>:0"; pick this layer's.
        String inner = layer.name();
        for (String n : names) {
          String[] parts = n.split("/");
          if (parts.length >= 2 && parts[parts.length - 2].equals(inner)) {
            chosen.add(n);
          }
        }
        chosen.sort((a, b) -> Integer.compare(rank(a), rank(b)));
      }
      List<Dataset> out = new ArrayList<>();
      for (String n : chosen) {
        Node d;
        try {
          d = top.getByPath(n);
        } catch (RuntimeException e) {
          d = null;
        }
        if (!(d instanceof Dataset ds)) {
          throw new Mismatch(where + ": weight '" + n + "' is listed in weight_names but not in the file");
        }
        out.add(ds);
      }
      return out;
    }

    /** Keras' variable order within a layer (kernel before bias, BatchNormalization's four in creation order). */
    private static int rank(String name) {
      String var = name.substring(name.lastIndexOf('/') + 1).replace(":0", "");
      List<String> order = List.of("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance");
      int i = order.indexOf(var);
      return i < 0 ? order.size() : i;
    }

    private static List<String> weightNames(Group g) {
      Attribute a = g.getAttribute("weight_names");
      List<String> names = new ArrayList<>();
      if (a == null) {
        return names;
      }
      Object data = a.getData();
      if (data instanceof String[] s) {
        names.addAll(Arrays.asList(s));
      } else if (data instanceof String s) {
        names.add(s);
      }
      return names;
    }
  }
}
