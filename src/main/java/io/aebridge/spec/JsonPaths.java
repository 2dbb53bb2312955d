package io.aebridge.spec;

import com.fasterxml.jackson.databind.JsonMappingException;
import java.util.List;

/**
 * Where in a JSON document Jackson failed, written as a reader names a field: {@code conv.kernelSize},
 * {@code encoderLayers[1]}, {@code models.m.versionPolicy}. Shared by the spec reader and the server config reader,
 * whose errors name the bad field the same way. Stateless.
 */
public final class JsonPaths {
  private JsonPaths() {}

  /** The field path of {@code refs} (Jackson's path from the document's root); empty for the root itself. */
  public static String of(List<JsonMappingException.Reference> refs) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }
}
