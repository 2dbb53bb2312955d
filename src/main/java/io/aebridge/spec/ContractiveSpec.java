package io.aebridge.spec;

/**
 * The contractive penalty (Rifai et al. 2011) {@code weight · ‖∂h/∂x‖²_F}, computed in closed form for a one-layer
 * sigmoid or relu encoder, averaged over the batch.
 *
 * @param weight λ &gt; 0
 */
public record ContractiveSpec(double weight) {
  public ContractiveSpec {
    Checks.positive("contractive.weight", weight);
  }
}
