package io.aebridge.spec;

/**
 * Denoising corruption applied afresh to every training batch's input (Vincent et al. 2008); the clean sample stays
 * the target.
 *
 * @param type the corruption
 * @param amount σ for {@link CorruptionKind#GAUSSIAN}; the fraction of values hit for masking and salt-and-pepper
 */
public record CorruptionSpec(CorruptionKind type, double amount) {
  public CorruptionSpec {
    Checks.required("corruption.type", type);
    if (type == CorruptionKind.GAUSSIAN) {
      Checks.positive("corruption.amount", amount);
    } else {
      Checks.openUnit("corruption.amount", amount);
    }
  }

  public static CorruptionSpec gaussian(double sigma) {
    return new CorruptionSpec(CorruptionKind.GAUSSIAN, sigma);
  }

  public static CorruptionSpec masking(double fraction) {
    return new CorruptionSpec(CorruptionKind.MASKING, fraction);
  }

  public static CorruptionSpec saltAndPepper(double fraction) {
    return new CorruptionSpec(CorruptionKind.SALT_AND_PEPPER, fraction);
  }
}
