package io.aebridge.spec;

/**
 * Activity penalties on the code of a sparse autoencoder. Either or both may be on.
 *
 * <ul>
 *   <li>L1: {@code l1 · Σ_units |h|}, averaged over the batch (tf.keras 2 semantics: per example, so the penalty
 *       does not grow with the batch size).
 *   <li>KL (Ng, CS294A): with ρ̂_j the batch mean of code unit j, {@code klWeight · Σ_j [ρ log(ρ/ρ̂_j) + (1−ρ)
 *       log((1−ρ)/(1−ρ̂_j))]}. Needs a sigmoid code so ρ̂_j lies in (0,1).
 * </ul>
 *
 * @param l1 L1 weight λ ≥ 0 (0 = off)
 * @param klTarget target mean activation ρ in (0,1), or {@code null} for no KL term
 * @param klWeight KL weight β ≥ 0
 */
public record SparsitySpec(double l1, Double klTarget, double klWeight) {
  /** Ng's lecture notes use β = 3. */
  public static final double KL_WEIGHT_DEFAULT = 3.0;

  public SparsitySpec {
    Checks.nonNegative("sparsity.l1", l1);
    Checks.nonNegative("sparsity.klWeight", klWeight);
    if (klTarget != null) {
      Checks.openUnit("sparsity.klTarget", klTarget);
    }
    if (l1 == 0 && (klTarget == null || klWeight == 0)) {
      throw new SpecException("sparsity", "l1=0, no KL term", "must turn on an L1 weight > 0 or a KL target");
    }
  }

  public static SparsitySpec l1(double weight) {
    return new SparsitySpec(weight, null, 0);
  }

  public static SparsitySpec kl(double target, double weight) {
    return new SparsitySpec(0, target, weight);
  }

  public boolean hasKl() {
    return klTarget != null && klWeight > 0;
  }
}
