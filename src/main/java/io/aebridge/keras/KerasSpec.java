package io.aebridge.keras;

import com.fasterxml.jackson.databind.JsonNode;
import io.aebridge.keras.KerasConfig.Model;
import io.aebridge.keras.KerasConfig.Node;
import io.aebridge.keras.KerasConfig.Ref;
import io.aebridge.keras.WeightStore.Step;
import io.aebridge.load.HostTensor;
import io.aebridge.spec.Activation;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ConvSpec;
import io.aebridge.spec.DecoderMode;
import io.aebridge.spec.SparsitySpec;
import io.aebridge.spec.SpecException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Keras autoencoder file read as an {@link AutoencoderSpec} plus the file's weights under the variable names the
 * project's graph gives them ({@code encoder_dense0_kernel}, {@code encoder_code_bias}, {@code decoder_stage1_kernel}
 * …), so the usual trainer can continue training it ({@code aebridge train --from FILE}).
 *
 * <p>Only models the spec can express exactly are accepted, so that training starts from the very function Keras
 * computes:
 * <ul>
 *   <li>dense: {@code [n]} input (or {@code [h, w, c]} with a leading Flatten and a trailing Reshape back), a chain
 *       of biased Dense layers ending in {@code n} units; the code is the output of a sub-model named
 *       {@code encoder} when the model is split so, else the narrowest Dense layer; an L1 activity regulariser on
 *       the code layer makes it a sparse spec;
 *   <li>convolutional: stages of Conv2D (square kernel, stride 1, {@code same}) + MaxPooling2D (window = stride),
 *       then as many decoder stages of Conv2D + UpSampling2D (nearest) or Conv2DTranspose (stride = pool), the
 *       mirrored filter counts, an optional centre Cropping2D and a Conv2D back to the input's channels. In place
 *       of the crop, the last decoder stage's Conv2D may be {@code valid}-padded when its (odd) kernel trims
 *       exactly the excess, as in the Keras tutorial's conv model (16×16 → 14×14 → 28×28): a {@code valid}
 *       convolution is the centre of the same-padded one, so the spec's same convolution and centre crop compute
 *       the very same function with the very same weights.
 * </ul>
 * Everything else ({@code valid} convolutions elsewhere, Dropout, BatchNormalization, other regularisers,
 * activations outside {@link Activation}, several inputs or branches) is refused before training, naming the layer
 * and why. Shapes are checked against the config before any weight is read, as for
 * {@link KerasModel#read}.
 *
 * @param spec the architecture with default training settings; name from the caller
 * @param weights initial value of every variable of {@code spec}'s graph, by graph name, in creation order
 * @param source where the weights came from (file, SHA-256, format, Keras version)
 */
public record KerasSpec(AutoencoderSpec spec, Map<String, HostTensor> weights, Map<String, String> source) {

  public KerasSpec {
    weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    source = Collections.unmodifiableMap(new LinkedHashMap<>(source));
  }

  /**
   * Reads {@code file} ({@code .keras} or {@code .h5}) as a spec named {@code name} with its weights.
   *
   * @throws KerasImportException naming the file, and the layer when the architecture is outside what the spec
   *     expresses
   */
  public static KerasSpec read(Path file, String name) throws KerasImportException {
    return KerasModel.parse(file, KerasModel.Limits.DEFAULT, (f, sha256, format, version, model, store) -> {
      try {
        Mapping m = new Mapping(f, name, store);
        AutoencoderSpec spec = m.map(model);
        Map<String, String> source = new LinkedHashMap<>();
        source.put("file", f.toAbsolutePath().toString());
        source.put("sha256", sha256);
        source.put("format", format);
        source.put("kerasVersion", version);
        return new KerasSpec(spec, m.weights, source);
      } catch (WeightStore.Mismatch | SpecException e) {
        throw new KerasImportException(f, e.getMessage(), e);
      }
    });
  }

  /** One layer of the flattened chain with its position (for its weights) and input shape (batch left out). */
  private record Leaf(List<Step> path, LayerSpec layer, long[] inShape) {
    String where() {
      return "layer '" + WeightStore.pathName(path) + "' (class " + layer.className() + ")";
    }
  }

  private static final class Mapping {
    private final Path file;
    private final String name;
    private final WeightStore store;
    private final Map<String, HostTensor> weights = new LinkedHashMap<>();

    Mapping(Path file, String name, WeightStore store) {
      this.file = file;
      this.name = name;
      this.store = store;
    }

    private KerasImportException refuse(String why) {
      return new KerasImportException(file, "cannot train from this model: " + why + ". `aebridge train --from` "
          + "continues training models the project's spec can express (dense stacks; same-padded conv/pool "
          + "encoders with a mirrored decoder, whose last convolution may be 'valid' in place of a crop; "
          + "docs/keras-import.md); `aebridge import` still serves it");
    }

    AutoencoderSpec map(Model top) throws KerasImportException {
      if (top.inputs().size() != 1 || top.outputs().size() != 1) {
        throw refuse("it has " + top.inputs().size() + " inputs and " + top.outputs().size() + " outputs, not one "
            + "of each");
      }
      LayerSpec first = top.node(top.inputs().get(0).layer()).layer();
      if (!(first instanceof LayerSpec.Input in)) {
        throw refuse("its input '" + first.name() + "' is not an InputLayer");
      }
      long[] inShape = in.shape();
      List<Leaf> leaves = new ArrayList<>();
      int[] codeAt = {-1};
      chain(List.of(), top, leaves, codeAt, inShape.clone());
      if (leaves.isEmpty()) {
        throw refuse("it has no layers after its input");
      }
      for (Leaf l : leaves) {
        if (l.layer() instanceof LayerSpec.Identity) {
          throw refuse(l.where() + " acts only while training, and the trainer has no such layer (use "
              + "--corruption for input noise)");
        }
      }
      return leaves.get(0).layer() instanceof LayerSpec.Conv
          ? convolutional(inShape, leaves, codeAt[0])
          : dense(inShape, leaves, codeAt[0]);
    }

    /**
     * Appends the leaf layers of the single-path {@code model} in call order, descending into nested models; marks
     * in {@code codeAt} where a top-level sub-model named {@code encoder} followed by {@code decoder} ends.
     *
     * @return the output shape
     */
    private long[] chain(List<Step> prefix, Model model, List<Leaf> out, int[] codeAt, long[] shape)
        throws KerasImportException {
      String current = model.inputs().get(0).layer();
      String last = model.outputs().get(0).layer();
      int visited = 1;
      while (!current.equals(last)) {
        String next = null;
        int index = -1;
        for (int i = 0; i < model.layers().size(); i++) {
          Node n = model.layers().get(i);
          for (List<Ref> call : n.calls()) {
            if (call.size() == 1 && call.get(0).layer().equals(current)) {
              if (next != null || n.calls().size() != 1) {
                throw refuse("in '" + model.name() + "', the output of '" + current + "' feeds more than one "
                    + "layer call (a branch or a shared layer); only a chain of layers maps onto the spec");
              }
              next = n.layer().name();
              index = i;
            }
          }
        }
        if (next == null) {
          throw refuse("in '" + model.name() + "', no single-input layer follows '" + current + "'");
        }
        List<Step> path = new ArrayList<>(prefix);
        path.add(new Step(model, index));
        LayerSpec layer = model.layers().get(index).layer();
        if (layer instanceof LayerSpec.Nested nested) {
          if (nested.model().inputs().size() != 1 || nested.model().outputs().size() != 1) {
            throw refuse("sub-model '" + nested.name() + "' has several inputs or outputs");
          }
          shape = chain(path, nested.model(), out, codeAt, shape);
          if (prefix.isEmpty() && nested.name().equals("encoder") && model.node("decoder") != null) {
            codeAt[0] = out.size();
          }
        } else {
          out.add(new Leaf(path, layer, shape));
          shape = outShape(out.get(out.size() - 1));
        }
        current = next;
        visited++;
      }
      if (visited != model.layers().size()) {
        throw refuse("'" + model.name() + "' has layers off its main path (" + model.layers().size() + " layers, "
            + visited + " on the path from input to output)");
      }
      return shape;
    }

    /** The output shape of the layers the mapping accepts; others keep the shape (they are refused later). */
    private long[] outShape(Leaf l) throws KerasImportException {
      long[] s = l.inShape();
      if (l.layer() instanceof LayerSpec.Dense d) {
        long[] o = s.clone();
        o[o.length - 1] = d.units();
        return o;
      } else if (l.layer() instanceof LayerSpec.Flatten) {
        return new long[] {Arrays.stream(s).reduce(1, Math::multiplyExact)};
      } else if (l.layer() instanceof LayerSpec.Reshape r) {
        return r.targetShape().clone();
      } else if (s.length != 3) {
        return s;
      } else if (l.layer() instanceof LayerSpec.Conv c) {
        long h = c.transposed() ? s[0] * c.strides()[0] : s[0];
        long w = c.transposed() ? s[1] * c.strides()[1] : s[1];
        if (c.padding().equals("valid")) {
          h -= c.kernelSize()[0] - 1;
          w -= c.kernelSize()[1] - 1;
        }
        return new long[] {h, w, c.filters()};
      } else if (l.layer() instanceof LayerSpec.Pool p) {
        int k = p.poolSize()[0];
        return new long[] {(s[0] + k - 1) / k, (s[1] + k - 1) / k, s[2]};
      } else if (l.layer() instanceof LayerSpec.UpSampling u) {
        return new long[] {s[0] * u.size()[0], s[1] * u.size()[1], s[2]};
      } else if (l.layer() instanceof LayerSpec.Margins m && !m.padding()) {
        return new long[] {s[0] - m.top() - m.bottom(), s[1] - m.left() - m.right(), s[2]};
      }
      return s;
    }

    private AutoencoderSpec dense(long[] inShape, List<Leaf> all, int codeAt) throws KerasImportException {
      List<Leaf> leaves = new ArrayList<>(all);
      int size = (int) Arrays.stream(inShape).reduce(1, Math::multiplyExact);
      if (inShape.length > 1) {
        if (!(leaves.get(0).layer() instanceof LayerSpec.Flatten)) {
          throw refuse(leaves.get(0).where() + " receives a " + Arrays.toString(inShape) + " input; a dense model "
              + "must Flatten it first");
        }
        Leaf end = leaves.get(leaves.size() - 1);
        if (!(end.layer() instanceof LayerSpec.Reshape r) || !Arrays.equals(r.targetShape(), inShape)) {
          throw refuse(end.where() + " ends the model; a dense model of a " + Arrays.toString(inShape) + " input "
              + "must end with a Reshape back to " + Arrays.toString(inShape));
        }
        leaves.remove(leaves.size() - 1);
        leaves.remove(0);
        codeAt -= codeAt > 0 ? 1 : 0;
      }
      List<LayerSpec.Dense> layers = new ArrayList<>();
      for (Leaf l : leaves) {
        if (!(l.layer() instanceof LayerSpec.Dense d)) {
          throw refuse(l.where() + " sits among Dense layers; a dense model is only Dense layers");
        }
        if (!d.useBias()) {
          throw refuse(l.where() + " has no bias (use_bias false); the spec's Dense layers all have one");
        }
        if (set(d.kernelRegularizer()) || set(d.biasRegularizer())) {
          throw refuse(l.where() + " has a kernel or bias regulariser; the trainer has no weight penalties");
        }
        layers.add(d);
      }
      if (layers.size() < 2) {
        throw refuse("it has " + layers.size() + " Dense layer(s); an autoencoder needs a code layer and an "
            + "output layer");
      }
      if (layers.get(layers.size() - 1).units() != size) {
        throw refuse(leaves.get(leaves.size() - 1).where() + " has " + layers.get(layers.size() - 1).units()
            + " units; the reconstruction must have the input's " + size);
      }
      int code = codeAt > 0 ? codeAt - 1 : -1;
      if (code < 0 || code >= layers.size() - 1) {
        code = 0;
        for (int i = 1; i < layers.size() - 1; i++) {
          if (layers.get(i).units() < layers.get(code).units()) {
            code = i;
          }
        }
      }
      for (int i = 0; i < layers.size(); i++) {
        if (i != code && set(layers.get(i).activityRegularizer())) {
          throw refuse(leaves.get(i).where() + " has an activity regulariser; the trainer's sparsity penalty acts "
              + "on the code layer only ('" + layers.get(code).name() + "')");
        }
      }
      List<Integer> encoder = new ArrayList<>();
      List<Activation> encoderActs = new ArrayList<>();
      List<Integer> decoder = new ArrayList<>();
      List<Activation> decoderActs = new ArrayList<>();
      for (int i = 0; i < layers.size() - 1; i++) {
        if (i < code) {
          encoder.add(layers.get(i).units());
          encoderActs.add(activation(leaves.get(i), layers.get(i).activation()));
        } else if (i > code) {
          decoder.add(layers.get(i).units());
          decoderActs.add(activation(leaves.get(i), layers.get(i).activation()));
        }
      }
      AutoencoderSpec.Builder b = AutoencoderSpec.builder(name)
          .inputShape((int) (inShape.length == 3 ? inShape[0] : 1), (int) (inShape.length == 1 ? size : inShape[1]),
              (int) (inShape.length == 3 ? inShape[2] : 1))
          .codeSize(layers.get(code).units())
          .encoderLayers(encoder.toArray(Integer[]::new))
          .codeActivation(activation(leaves.get(code), layers.get(code).activation()))
          .outputActivation(activation(leaves.get(layers.size() - 1), layers.get(layers.size() - 1).activation()));
      List<Activation> hidden = new ArrayList<>(encoderActs);
      hidden.addAll(decoderActs);
      List<Integer> mirrored = new ArrayList<>(encoder);
      Collections.reverse(mirrored);
      List<Activation> mirroredActs = new ArrayList<>(encoderActs);
      Collections.reverse(mirroredActs);
      if (!decoder.equals(mirrored)) {
        b.decoderLayers(decoder.toArray(Integer[]::new));
      }
      if (hidden.stream().distinct().count() <= 1) {
        b.activation(hidden.isEmpty() ? Activation.RELU : hidden.get(0));
      } else if (decoder.equals(mirrored) && decoderActs.equals(mirroredActs)) {
        b.encoderActivations(encoderActs.toArray(Activation[]::new));
      } else {
        throw refuse("its hidden layers use the activations " + hidden + "; the spec needs one activation for all, "
            + "or per-layer ones mirrored between a mirrored encoder and decoder");
      }
      JsonNode reg = layers.get(code).activityRegularizer();
      if (set(reg)) {
        b.sparse(SparsitySpec.l1(l1(leaves.get(code), reg)));
      }
      AutoencoderSpec spec = b.build();
      String[] names = new String[layers.size()];
      for (int i = 0; i < layers.size(); i++) {
        names[i] = i < code ? "encoder_dense" + i : i == code ? "encoder_code"
            : i == layers.size() - 1 ? "decoder_output" : "decoder_dense" + (i - code - 1);
      }
      for (int i = 0; i < layers.size(); i++) {
        long in = leaves.get(i).inShape()[leaves.get(i).inShape().length - 1];
        read(leaves.get(i), names[i], List.of(new long[] {in, layers.get(i).units()},
            new long[] {layers.get(i).units()}));
      }
      return spec;
    }

    private AutoencoderSpec convolutional(long[] inShape, List<Leaf> leaves, int codeAt)
        throws KerasImportException {
      if (inShape.length != 3) {
        throw refuse("its input has shape " + Arrays.toString(inShape) + "; a convolutional model takes [height, "
            + "width, channels]");
      }
      LayerSpec.Conv firstConv = (LayerSpec.Conv) leaves.get(0).layer();
      int kernel = firstConv.kernelSize()[0];
      int i = 0;
      List<Leaf> encoder = new ArrayList<>();
      int pool = -1;
      while (i + 1 < leaves.size() && leaves.get(i).layer() instanceof LayerSpec.Conv c && !c.transposed()
          && leaves.get(i + 1).layer() instanceof LayerSpec.Pool p) {
        conv(leaves.get(i), kernel, 1, false);
        if (!p.max() || p.poolSize()[0] != p.poolSize()[1] || p.strides()[0] != p.poolSize()[0]
            || p.strides()[1] != p.poolSize()[1]) {
          throw refuse(leaves.get(i + 1).where() + " pools " + Arrays.toString(p.poolSize()) + " with strides "
              + Arrays.toString(p.strides()) + "; the spec's stages max-pool a square window with stride = window");
        }
        if (pool != -1 && p.poolSize()[0] != pool) {
          throw refuse(leaves.get(i + 1).where() + " pools by " + p.poolSize()[0] + ", an earlier stage by " + pool);
        }
        pool = p.poolSize()[0];
        long[] s = leaves.get(i + 1).inShape();
        if (p.padding().equals("valid") && (s[0] % pool != 0 || s[1] % pool != 0)) {
          throw refuse(leaves.get(i + 1).where() + " pools a " + s[0] + "×" + s[1] + " map with 'valid' padding, "
              + "dropping its edge; the spec pools with 'same' padding");
        }
        encoder.add(leaves.get(i));
        i += 2;
      }
      int stages = encoder.size();
      if (stages == 0) {
        throw refuse(leaves.get(0).where() + " is not followed by a MaxPooling2D; a convolutional spec starts with "
            + "Conv2D + MaxPooling2D stages");
      }
      if (codeAt >= 0 && codeAt != i) {
        throw refuse("its encoder sub-model ends after " + codeAt + " layers, the spec's encoder (Conv2D + "
            + "MaxPooling2D stages) after " + i);
      }
      List<Leaf> decoder = new ArrayList<>();
      DecoderMode mode = null;
      Leaf trimmedBy = null;
      for (int stage = 0; stage < stages; stage++) {
        if (i >= leaves.size() || !(leaves.get(i).layer() instanceof LayerSpec.Conv c)) {
          throw refuse("it has " + stages + " encoder stage(s) but " + stage + " decoder stage(s) (Conv2D + "
              + "UpSampling2D, or Conv2DTranspose) before " + (i < leaves.size() ? leaves.get(i).where() : "its end"));
        }
        DecoderMode m = c.transposed() ? DecoderMode.TRANSPOSE : DecoderMode.UPSAMPLE;
        if (mode != null && m != mode) {
          throw refuse(leaves.get(i).where() + " mixes upsampling and transposed convolutions in one decoder");
        }
        mode = m;
        boolean valid = c.padding().equals("valid");
        if (valid && (m != DecoderMode.UPSAMPLE || stage != stages - 1)) {
          throw refuse(leaves.get(i).where() + " uses padding 'valid' in decoder stage " + stage + " of " + stages
              + "; a 'valid' decoder convolution maps onto the spec only in the last Conv2D + UpSampling2D stage, "
              + "where it is the spec's centre crop");
        }
        if (valid) {
          trimmedBy = leaves.get(i);
        }
        conv(leaves.get(i), kernel, m == DecoderMode.TRANSPOSE ? pool : 1, valid);
        decoder.add(leaves.get(i));
        if (m == DecoderMode.UPSAMPLE) {
          if (i + 1 >= leaves.size() || !(leaves.get(i + 1).layer() instanceof LayerSpec.UpSampling u)
              || u.size()[0] != pool || u.size()[1] != pool || !u.interpolation().equals("nearest")) {
            throw refuse((i + 1 < leaves.size() ? leaves.get(i + 1).where() : "the end of the model") + " follows "
                + "decoder convolution '" + c.name() + "'; the spec needs UpSampling2D(" + pool + ", nearest) there");
          }
          i += 2;
        } else {
          i += 1;
        }
      }
      ConvSpec probe = new ConvSpec(List.of(1), kernel, pool, mode);
      long grownH = probe.pooledSize((int) inShape[0], stages) * (long) Math.pow(pool, stages);
      long grownW = probe.pooledSize((int) inShape[1], stages) * (long) Math.pow(pool, stages);
      if (trimmedBy != null) {
        // A 'valid' k×k convolution keeps the centre of the same-padded one's output, (k−1)/2 rows and columns in
        // from each edge (odd k), and nearest upsampling by the pool keeps that a centre crop of pool·(k−1)/2: the
        // spec's decoder (same conv, centre crop of the grown map back to the input) computes the same function
        // when that crop is exactly the excess. The tutorial's 16×16 → 14×14 → 28×28 is one.
        long before = grownH / pool;
        long beforeW = grownW / pool;
        long trim = (long) pool * (kernel - 1);
        if (kernel % 2 == 0 || grownH - trim != inShape[0] || grownW - trim != inShape[1]) {
          throw refuse(trimmedBy.where() + " uses padding 'valid': its " + kernel + "×" + kernel + " kernel trims "
              + "the " + before + "×" + beforeW + " map to " + (before - kernel + 1) + "×" + (beforeW - kernel + 1)
              + ", which UpSampling2D(" + pool + ") grows to " + (grownH - trim) + "×" + (grownW - trim) + ", not "
              + "the input's " + inShape[0] + "×" + inShape[1] + "; the spec maps a 'valid' last decoder "
              + "convolution only as its centre crop back to the input (an odd kernel trimming exactly the "
              + "excess)");
        }
      } else if (grownH != inShape[0] || grownW != inShape[1]) {
        long top = (grownH - inShape[0]) / 2;
        long left = (grownW - inShape[1]) / 2;
        if (i >= leaves.size() || !(leaves.get(i).layer() instanceof LayerSpec.Margins m) || m.padding()
            || m.top() != top || m.bottom() != grownH - inShape[0] - top || m.left() != left
            || m.right() != grownW - inShape[1] - left) {
          throw refuse("its decoder grows the code to " + grownH + "×" + grownW + "; the spec then needs a "
              + "Cropping2D(((" + top + ", " + (grownH - inShape[0] - top) + "), (" + left + ", "
              + (grownW - inShape[1] - left) + "))) back to " + inShape[0] + "×" + inShape[1]
              + (i < leaves.size() ? ", found " + leaves.get(i).where() : ""));
        }
        i++;
      }
      if (i != leaves.size() - 1 || !(leaves.get(i).layer() instanceof LayerSpec.Conv out) || out.transposed()) {
        throw refuse((i < leaves.size() ? leaves.get(i).where() : "the end of the model") + " follows the decoder "
            + "stages; the spec ends with one Conv2D back to the input's " + inShape[2] + " channel(s)");
      }
      conv(leaves.get(i), kernel, 1, false);
      if (out.filters() != inShape[2]) {
        throw refuse(leaves.get(i).where() + " has " + out.filters() + " filters; the reconstruction needs the "
            + "input's " + inShape[2] + " channel(s)");
      }
      List<Integer> filters = new ArrayList<>();
      for (Leaf l : encoder) {
        filters.add(((LayerSpec.Conv) l.layer()).filters());
      }
      for (int s = 0; s < stages; s++) {
        int want = filters.get(stages - 1 - s);
        int got = ((LayerSpec.Conv) decoder.get(s).layer()).filters();
        if (got != want) {
          throw refuse(decoder.get(s).where() + " has " + got + " filters; the spec's decoder mirrors the "
              + "encoder's " + filters + ", so it needs " + want);
        }
      }
      List<Leaf> hidden = new ArrayList<>(encoder.subList(0, stages - 1));
      hidden.addAll(decoder);
      Activation act = activation(hidden.get(0), ((LayerSpec.Conv) hidden.get(0).layer()).activation());
      for (Leaf l : hidden) {
        Activation a = activation(l, ((LayerSpec.Conv) l.layer()).activation());
        if (a != act) {
          throw refuse(l.where() + " uses " + a.jsonName() + ", " + hidden.get(0).where() + " "
              + act.jsonName() + "; the spec's hidden convolutions share one activation");
        }
      }
      Leaf codeLeaf = encoder.get(stages - 1);
      AutoencoderSpec spec = AutoencoderSpec.builder(name)
          .inputShape((int) inShape[0], (int) inShape[1], (int) inShape[2])
          .convolutional(new ConvSpec(filters, kernel, pool, mode))
          .activation(act)
          .codeActivation(activation(codeLeaf, ((LayerSpec.Conv) codeLeaf.layer()).activation()))
          .outputActivation(activation(leaves.get(i), out.activation()))
          .build();
      for (int s = 0; s < stages; s++) {
        readConv(encoder.get(s), "encoder_conv" + s);
        readConv(decoder.get(s), "decoder_stage" + s);
      }
      readConv(leaves.get(i), "decoder_output");
      return spec;
    }

    /**
     * Checks a convolution against the spec's: square {@code kernel}, {@code stride}, same padding (or
     * {@code valid} where {@code validAllowed}; the caller checks that it is the spec's crop), a bias.
     */
    private void conv(Leaf l, int kernel, int stride, boolean validAllowed) throws KerasImportException {
      LayerSpec.Conv c = (LayerSpec.Conv) l.layer();
      if (c.kernelSize()[0] != kernel || c.kernelSize()[1] != kernel) {
        throw refuse(l.where() + " has kernel_size " + Arrays.toString(c.kernelSize()) + "; the spec uses one "
            + "square kernel (" + kernel + "×" + kernel + ", from the first convolution) throughout");
      }
      if (!c.padding().equals("same") && !(validAllowed && c.padding().equals("valid"))) {
        throw refuse(l.where() + " uses padding '" + c.padding() + "'; the spec's convolutions are 'same'-padded");
      }
      if (c.strides()[0] != stride || c.strides()[1] != stride || c.dilationRate()[0] != 1
          || c.dilationRate()[1] != 1 || c.outputPadding() != null) {
        throw refuse(l.where() + " has strides " + Arrays.toString(c.strides()) + ", dilation_rate "
            + Arrays.toString(c.dilationRate()) + (c.outputPadding() != null ? ", output_padding "
            + Arrays.toString(c.outputPadding()) : "") + "; the spec needs strides " + stride + " and no dilation "
            + "or output padding there");
      }
      if (!c.useBias()) {
        throw refuse(l.where() + " has no bias (use_bias false); the spec's convolutions all have one");
      }
      if (set(c.kernelRegularizer()) || set(c.biasRegularizer()) || set(c.activityRegularizer())) {
        throw refuse(l.where() + " has a regulariser; the trainer's penalties cover dense codes only");
      }
    }

    private void readConv(Leaf l, String name) {
      LayerSpec.Conv c = (LayerSpec.Conv) l.layer();
      long k = c.kernelSize()[0];
      long in = l.inShape()[2];
      long[] kernelShape = c.transposed() ? new long[] {k, k, c.filters(), in} : new long[] {k, k, in, c.filters()};
      read(l, name, List.of(kernelShape, new long[] {c.filters()}));
    }

    private void read(Leaf l, String name, List<long[]> shapes) {
      List<float[]> values = store.read(l.path(), shapes);
      weights.put(name + "_kernel", HostTensor.ofFloats(shapes.get(0), values.get(0)));
      weights.put(name + "_bias", HostTensor.ofFloats(shapes.get(1), values.get(1)));
    }

    private Activation activation(Leaf l, KerasActivation a) throws KerasImportException {
      return switch (a) {
        case LINEAR -> Activation.LINEAR;
        case RELU -> Activation.RELU;
        case SIGMOID -> Activation.SIGMOID;
        case TANH -> Activation.TANH;
        case ELU -> Activation.ELU;
        default -> throw refuse(l.where() + " uses activation '" + a.kerasName() + "'; the trainer's are "
            + Arrays.stream(Activation.values()).filter(v -> v != Activation.LEAKY_RELU)
                .map(Activation::jsonName).toList());
      };
    }

    private double l1(Leaf l, JsonNode reg) throws KerasImportException {
      String cls = reg.path("class_name").asText("");
      JsonNode cfg = reg.path("config");
      boolean l1Only = cls.equals("L1") || cls.equals("l1")
          || cls.equals("L1L2") && cfg.path("l2").asDouble(0) == 0;
      if (!l1Only || !cfg.path("l1").isNumber() || !(cfg.path("l1").asDouble() > 0)) {
        throw refuse(l.where() + " has activity regulariser " + reg + "; the trainer's sparsity penalty is an L1 "
            + "weight > 0 on the code");
      }
      return cfg.path("l1").asDouble();
    }

    private static boolean set(JsonNode node) {
      return node != null && !node.isNull();
    }
  }
}
