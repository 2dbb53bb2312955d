package io.aebridge.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.serve.TestClient;
import io.javalin.Javalin;
import org.junit.jupiter.api.Test;

/** What every endpoint registered through {@link Routes} shares: heap exhaustion is a JSON 503, not an empty 500. */
class RoutesTest {
  @Test
  void aRequestThatExhaustsTheHeapGets503AndTheServerGoesOn() {
    Routes routes = new Routes();
    routes.post("/greedy").summary("allocates more than any test heap").handle(ctx -> {
      long[] tooMuch = new long[Integer.MAX_VALUE - 8]; // 16 GiB: a real OutOfMemoryError in any test JVM
      ctx.result(String.valueOf(tooMuch.length));
    });
    routes.get("/fine").summary("answers").handle(ctx -> ctx.result("ok"));
    Javalin app = Javalin.create(c -> {
      c.startup.showJavalinBanner = false;
      HttpErrors.install(c.routes);
      routes.addTo(c.routes);
    });
    app.start("127.0.0.1", 0);
    try {
      TestClient client = new TestClient("http://127.0.0.1:" + app.port());
      TestClient.Response r = client.post("/greedy", "{}");
      assertEquals(503, r.status(), r.text());
      assertTrue(r.error().startsWith("Not enough Java heap for this request"), r.error());
      assertTrue(r.error().contains("AEBRIDGE_HEAP"), r.error());
      assertEquals("ok", client.get("/fine").text());
    } finally {
      app.stop();
    }
  }
}
