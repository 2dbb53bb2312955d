package io.aebridge.serve.core;

import io.aebridge.load.HostTensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to one {@link InferenceRequest}: what ran and what came out. Heap tensors only (no native handle);
 * immutable by convention (do not modify the arrays).
 *
 * @param model the model name
 * @param version the version that ran (a label or "latest" resolved to its number)
 * @param signature the signature key that ran (the default resolved to its key)
 * @param outputs the output tensors by key: the output filter's order when the request had one, else the
 *     signature's (key-sorted) order
 */
public record InferenceResponse(String model, long version, String signature, Map<String, HostTensor> outputs) {
  public InferenceResponse {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(signature, "signature");
    outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
  }
}
