package io.aebridge.graph;

import io.aebridge.spec.Activation;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.LossKind;
import io.aebridge.spec.SparsitySpec;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The training objective of an autoencoder: reconstruction loss against a fed target plus the spec's penalties.
 * All terms are scalars averaged over the batch, so their size does not depend on the batch size.
 *
 * @param target targets, shaped like the input (the clean input for denoising, another file for paired data): a
 *     placeholder, or in the trainer's graph a placeholder with a default (the batch gathered in the graph)
 * @param reconstructionLoss mean BCE (from logits) or MSE per value
 * @param penalty the sum of the sparsity / contractive terms (a zero constant when none)
 * @param total reconstruction loss + penalty: what the optimizer minimises
 */
public record Objective(
    Operand<TFloat32> target, Operand<TFloat32> reconstructionLoss, Operand<TFloat32> penalty,
    Operand<TFloat32> total) {

  /** Keeps logs of the KL term finite when a unit's mean activation reaches 0 or 1. */
  static final float KL_EPSILON = 1e-7f;

  /**
   * Adds the objective of {@code spec} on top of {@code model}.
   *
   * @param loss the resolved loss ({@link LossKind#MSE} or {@link LossKind#BCE}, not auto)
   */
  public static Objective build(Ops tf, AutoencoderGraph model, AutoencoderSpec spec, LossKind loss) {
    return build(tf, model, spec, loss, null);
  }

  /**
   * The objective with a target that reads {@code defaultTarget} unless targets are fed (the trainer's batch
   * gathered in the graph; see {@link AutoencoderGraph#build(Ops, AutoencoderSpec, ParameterFactory, Operand)}).
   *
   * @param defaultTarget targets shaped like the input, or {@code null} for a plain placeholder
   */
  public static Objective build(Ops tf, AutoencoderGraph model, AutoencoderSpec spec, LossKind loss,
      Operand<TFloat32> defaultTarget) {
    if (loss == LossKind.AUTO) {
      throw new IllegalArgumentException("Resolve loss 'auto' against the data before building the objective");
    }
    Operand<TFloat32> target = defaultTarget == null
        ? tf.withName("target").placeholder(TFloat32.class, Placeholder.shape(model.inputShape()))
        : tf.withName("target").placeholderWithDefault(defaultTarget, model.inputShape());
    Operand<TFloat32> reconstruction = loss == LossKind.BCE
        ? tf.withName("bce").math.mean(bceFromLogits(tf, model.logits(), target), allAxes(tf, model.logits()))
        : tf.withName("mse").math.mean(
            tf.math.square(tf.math.sub(model.reconstruction(), target)), allAxes(tf, model.logits()));
    Operand<TFloat32> penalty = tf.constant(0f);
    if (spec.sparsity() != null) {
      penalty = tf.math.add(penalty, sparsityPenalty(tf, model, spec.sparsity()));
    }
    if (spec.contractive() != null) {
      Operand<TFloat32> squaredNorm = jacobianSquaredNorm(tf, model, spec.codeActivation());
      penalty = tf.math.add(penalty, tf.math.mul(tf.constant((float) spec.contractive().weight()),
          tf.math.mean(squaredNorm, tf.constant(0))));
    }
    penalty = tf.withName("penalty").identity(penalty);
    Operand<TFloat32> total = tf.withName("loss").math.add(reconstruction, penalty);
    return new Objective(target, reconstruction, penalty, total);
  }

  /**
   * Element-wise binary cross-entropy of sigmoid(z) against y, in the overflow-free form
   * {@code max(z,0) − z·y + log(1 + e^−|z|)}.
   */
  static Operand<TFloat32> bceFromLogits(Ops tf, Operand<TFloat32> z, Operand<TFloat32> y) {
    return tf.math.add(tf.math.sub(tf.nn.relu(z), tf.math.mul(z, y)),
        tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(z)))));
  }

  /** L1: λ·Σ_units|h| averaged over the batch; KL: β·Σ_j KL(ρ ‖ ρ̂_j) with ρ̂_j the batch mean of unit j. */
  static Operand<TFloat32> sparsityPenalty(Ops tf, AutoencoderGraph model, SparsitySpec sparsity) {
    Operand<TFloat32> code = flatten(tf, model.code());
    Operand<TFloat32> penalty = tf.constant(0f);
    if (sparsity.l1() > 0) {
      Operand<TFloat32> perExample = tf.sum(tf.math.abs(code), tf.constant(1));
      penalty = tf.math.add(penalty,
          tf.math.mul(tf.constant((float) sparsity.l1()), tf.math.mean(perExample, tf.constant(0))));
    }
    if (sparsity.hasKl()) {
      float rho = sparsity.klTarget().floatValue();
      Operand<TFloat32> rhoHat = tf.clipByValue(tf.math.mean(code, tf.constant(0)), tf.constant(KL_EPSILON),
          tf.constant(1f - KL_EPSILON));
      Operand<TFloat32> one = tf.constant(1f);
      Operand<TFloat32> kl = tf.math.add(
          tf.math.mul(tf.constant(rho), tf.math.log(tf.math.div(tf.constant(rho), rhoHat))),
          tf.math.mul(tf.constant(1f - rho),
              tf.math.log(tf.math.div(tf.constant(1f - rho), tf.math.sub(one, rhoHat)))));
      penalty = tf.math.add(penalty,
          tf.math.mul(tf.constant((float) sparsity.klWeight()), tf.sum(kl, tf.constant(0))));
    }
    return penalty;
  }

  /**
   * Per-example ‖∂h/∂x‖²_F of a one-layer dense encoder h = f(xW + b), in closed form (Rifai et al. 2011):
   * sigmoid: Σ_j (h_j(1−h_j))² Σ_i W_ij²; relu: Σ_j 1[a_j&gt;0] Σ_i W_ij². Uses the live kernel, so the gradient
   * reaches W through both factors. Shape {@code [N]}.
   *
   * @throws IllegalArgumentException when the encoder is deeper than one layer or the activation has no closed form
   */
  public static Operand<TFloat32> jacobianSquaredNorm(Ops tf, AutoencoderGraph model, Activation codeActivation) {
    Variable<TFloat32> kernel = model.codeKernel().orElseThrow(() -> new IllegalArgumentException(
        "The closed-form Jacobian needs a one-layer dense encoder"));
    // Read the variable through Identity: the gradient builder crashes on a second direct consumer of a ref edge.
    Operand<TFloat32> columnNorms = tf.sum(tf.math.square(tf.identity(kernel)), tf.constant(0));
    Operand<TFloat32> gainSquared = switch (codeActivation) {
      case SIGMOID -> {
        Operand<TFloat32> h = model.code();
        yield tf.math.square(tf.math.mul(h, tf.math.sub(tf.constant(1f), h)));
      }
      case RELU -> tf.dtypes.cast(tf.math.greater(model.codePreActivation(), tf.constant(0f)), TFloat32.class);
      default -> throw new IllegalArgumentException(
          "No closed-form Jacobian for a " + codeActivation.jsonName() + " code; use sigmoid or relu");
    };
    return tf.sum(tf.math.mul(gainSquared, columnNorms), tf.constant(1));
  }

  static Operand<TFloat32> flatten(Ops tf, Operand<TFloat32> x) {
    if (x.shape().numDimensions() == 2) {
      return x;
    }
    long size = 1;
    for (int i = 1; i < x.shape().numDimensions(); i++) {
      size *= x.shape().get(i);
    }
    return tf.reshape(x, tf.constant(new long[] {-1, size}));
  }

  private static Operand<org.tensorflow.types.TInt32> allAxes(Ops tf, Operand<TFloat32> x) {
    int[] axes = new int[x.shape().numDimensions()];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i;
    }
    return tf.constant(axes);
  }
}
