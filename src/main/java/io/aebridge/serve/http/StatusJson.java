package io.aebridge.serve.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.aebridge.serve.repository.VersionStatus;
import java.io.IOException;

/** The JSON of version states, shared by the TF Serving status endpoints and the management API. Stateless. */
final class StatusJson {
  private StatusJson() {}

  /** One entry of TF Serving's {@code model_version_status}; the management API answers with the same shape. */
  static void writeVersionStatus(JsonGenerator g, VersionStatus v) throws IOException {
    g.writeStartObject();
    g.writeStringField("version", Long.toString(v.version()));
    g.writeStringField("state", v.state().name());
    g.writeObjectFieldStart("status");
    g.writeStringField("error_code", v.errorCode());
    g.writeStringField("error_message", v.errorMessage());
    g.writeEndObject();
    g.writeEndObject();
  }
}
