package io.aebridge.serve.repository;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which versions of a model to serve, as TF Serving's {@code model_version_policy}: the latest {@code n} (default
 * 1), all, or a specific set. Written {@code latest}, {@code latest:2}, {@code all} or {@code specific:1,3}.
 *
 * @param kind the rule
 * @param latestCount how many of the highest versions {@link Kind#LATEST} serves
 * @param specific the versions {@link Kind#SPECIFIC} serves (empty otherwise)
 */
public record VersionPolicy(Kind kind, int latestCount, SortedSet<Long> specific) {

  /** The rules. */
  public enum Kind { LATEST, ALL, SPECIFIC }

  public VersionPolicy {
    if (kind == null) {
      throw new IllegalArgumentException("versionPolicy: kind is required (latest, all or specific)");
    }
    specific = specific == null ? new TreeSet<>() : new TreeSet<>(specific);
    if (kind == Kind.LATEST && latestCount < 1) {
      throw new IllegalArgumentException("versionPolicy: latest needs a count ≥ 1, found " + latestCount);
    }
    if (kind == Kind.SPECIFIC && specific.isEmpty()) {
      throw new IllegalArgumentException("versionPolicy: specific needs at least one version");
    }
    for (long v : specific) {
      if (v < 0) {
        throw new IllegalArgumentException("versionPolicy: versions are integers ≥ 0 (as TF Serving's), found "
            + v);
      }
    }
  }

  public static VersionPolicy latest() {
    return latest(1);
  }

  public static VersionPolicy latest(int count) {
    return new VersionPolicy(Kind.LATEST, count, null);
  }

  public static VersionPolicy all() {
    return new VersionPolicy(Kind.ALL, 1, null);
  }

  public static VersionPolicy specific(long... versions) {
    SortedSet<Long> set = new TreeSet<>();
    for (long v : versions) {
      set.add(v);
    }
    return new VersionPolicy(Kind.SPECIFIC, 1, set);
  }

  /** Parses {@code latest}, {@code latest:N}, {@code all} or {@code specific:V[,V…]}. */
  public static VersionPolicy parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    int colon = t.indexOf(':');
    String head = colon < 0 ? t : t.substring(0, colon);
    String tail = colon < 0 ? "" : t.substring(colon + 1).trim();
    try {
      switch (head) {
        case "latest":
          return latest(tail.isEmpty() ? 1 : Integer.parseInt(tail));
        case "all":
          if (!tail.isEmpty()) {
            break;
          }
          return all();
        case "specific":
          SortedSet<Long> versions = new TreeSet<>();
          for (String part : tail.split(",")) {
            if (!part.isBlank()) {
              versions.add(Long.parseLong(part.trim()));
            }
          }
          return new VersionPolicy(Kind.SPECIFIC, 1, versions);
        default:
          break;
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("versionPolicy: '" + text + "' has a number that is not an integer");
    }
    throw new IllegalArgumentException(
        "versionPolicy: '" + text + "' is not one of latest, latest:N, all, specific:V1,V2");
  }

  /** The versions to serve among {@code candidates} (ascending), ascending. */
  public List<Long> select(List<Long> candidates) {
    return switch (kind) {
      case ALL -> List.copyOf(candidates);
      case LATEST -> List.copyOf(candidates.subList(Math.max(0, candidates.size() - latestCount), candidates.size()));
      case SPECIFIC -> {
        List<Long> out = new ArrayList<>();
        for (long v : candidates) {
          if (specific.contains(v)) {
            out.add(v);
          }
        }
        yield out;
      }
    };
  }

  @Override
  public String toString() {
    return switch (kind) {
      case ALL -> "all";
      case LATEST -> latestCount == 1 ? "latest" : "latest:" + latestCount;
      case SPECIFIC -> "specific:" + String.join(",", specific.stream().map(String::valueOf).toList());
    };
  }
}
