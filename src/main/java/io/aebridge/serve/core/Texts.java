package io.aebridge.serve.core;

/** Client text quoted in messages is cut short, so an error never echoes a megabyte back. */
public final class Texts {
  private Texts() {}

  /** {@code s} when short, else its first 37 characters and an ellipsis. */
  public static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "…";
  }
}
