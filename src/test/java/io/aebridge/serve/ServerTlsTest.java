package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.serve.ServerConfig.Tls;
import io.aebridge.serve.ServerConfig.Tls.ClientAuth;
import io.aebridge.serve.TestCertificates.Issued;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on both ports with real clients: the JDK's HttpClient over HTTPS and grpc-java over TLS, against a server
 * whose certificates a BouncyCastle CA minted for this run; mutual TLS accepted with a client certificate and
 * refused without one; and the config's checks naming the file at fault.
 */
class ServerTlsTest {
  @TempDir static Path dir;
  static TestCertificates ca;
  static Issued server;
  static Issued client;
  static Path cert;
  static Path key;
  static Path caFile;
  static Path models;

  @BeforeAll
  static void mint() throws Exception {
    ca = TestCertificates.authority("aebridge test CA");
    server = ca.server(false);
    client = ca.client("test client");
    cert = TestCertificates.write(dir.resolve("server.crt"), TestCertificates.pem(server.certificate(),
        ca.ca().certificate()));
    key = TestCertificates.write(dir.resolve("server.key"), TestCertificates.pem(server.keys().getPrivate()));
    caFile = TestCertificates.write(dir.resolve("ca.crt"), TestCertificates.pem(ca.ca().certificate()));
    models = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.halfPlusThree(Files.createDirectories(models.resolve("half_plus_three")).resolve("1"));
  }

  private static ModelServer start(Tls tls) {
    return ModelServer.start(ServerConfig.builder(models).port(0).grpcPort(-1).pollInterval(Duration.ZERO)
        .tls(tls).build());
  }

  private static Tls tls(Path clientCa, ClientAuth auth) {
    return new Tls(Tls.Pem.read("cert", cert), Tls.Pem.read("key", key),
        clientCa == null ? null : Tls.Pem.read("ca", clientCa), auth, null);
  }

  private static HttpResponse<String> get(ModelServer s, SSLContext ssl, String path) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
    return http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + path)).timeout(Duration.ofSeconds(20))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> predict(ModelServer s, SSLContext ssl) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(ssl).build();
    return http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/v1/models/half_plus_three:predict"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [1.0, 2.0]}")).timeout(Duration.ofSeconds(20))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  /** grpc.health.v1 Check over TLS to {@code localhost} (the certificate's name), presenting {@code clientCert}. */
  private static ServingStatus health(ModelServer s, Issued clientCert) throws Exception {
    TlsChannelCredentials.Builder creds = TlsChannelCredentials.newBuilder().trustManager(caFile.toFile());
    if (clientCert != null) {
      Path c = TestCertificates.write(Files.createTempFile(dir, "client", ".crt"),
          TestCertificates.pem(clientCert.certificate()));
      Path k = TestCertificates.write(Files.createTempFile(dir, "client", ".key"),
          TestCertificates.pkcs8(clientCert));
      creds.keyManager(c.toFile(), k.toFile());
    }
    ChannelCredentials built = creds.build();
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("localhost", s.grpcPort(), built).build();
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void httpsAndGrpcOverTlsAnswerClientsThatTrustTheCa() throws Exception {
    try (ModelServer s = start(tls(null, null))) {
      assertTrue(s.baseUrl().startsWith("https://"), s.baseUrl());
      HttpResponse<String> r = predict(s, ca.clientContext(null));
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(TestClient.JSON.readTree("[3.5, 4.0]"), TestClient.JSON.readTree(r.body()).get("predictions"));
      assertEquals(ServingStatus.SERVING, health(s, null));
      // A plain-text client on the HTTPS port gets no answer it can read.
      HttpClient plain = HttpClient.newHttpClient();
      String url = s.baseUrl().replace("https://", "http://") + "/v1/models/half_plus_three";
      assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
      // A client that does not trust our CA refuses the server.
      assertThrows(javax.net.ssl.SSLHandshakeException.class, () -> get(s, SSLContext.getDefault(),
          "/v1/models/half_plus_three"));
    }
  }

  @Test
  void mutualTlsAcceptsAClientCertificateAndRefusesNone() throws Exception {
    try (ModelServer s = start(tls(caFile, ClientAuth.REQUIRE))) {
      assertEquals(200, get(s, ca.clientContext(client), "/v1/models/half_plus_three").statusCode());
      assertEquals(ServingStatus.SERVING, health(s, client));

      IOException http = assertThrows(IOException.class, () -> get(s, ca.clientContext(null),
          "/v1/models/half_plus_three"));
      assertTrue(http instanceof javax.net.ssl.SSLException || String.valueOf(http.getMessage()).contains("closed")
          || http.getCause() instanceof javax.net.ssl.SSLException, "a TLS failure, found " + http);
      StatusRuntimeException grpc = assertThrows(StatusRuntimeException.class, () -> health(s, null));
      assertEquals(Status.Code.UNAVAILABLE, grpc.getStatus().getCode(), grpc.toString());

      // A certificate from another CA is no better than none.
      TestCertificates other = TestCertificates.authority("someone else's CA");
      Issued stranger = other.client("stranger");
      SSLContext strangerContext = ca.clientContext(stranger);
      assertThrows(IOException.class, () -> get(s, strangerContext, "/v1/models/half_plus_three"));
      StatusRuntimeException strangerGrpc = assertThrows(StatusRuntimeException.class, () -> health(s, stranger));
      assertEquals(Status.Code.UNAVAILABLE, strangerGrpc.getStatus().getCode());
    }
  }

  @Test
  void optionalClientAuthServesClientsWithoutCertificates() throws Exception {
    try (ModelServer s = start(tls(caFile, ClientAuth.OPTIONAL))) {
      assertEquals(200, get(s, ca.clientContext(null), "/v1/models/half_plus_three").statusCode());
      assertEquals(200, get(s, ca.clientContext(client), "/v1/models/half_plus_three").statusCode());
      assertEquals(ServingStatus.SERVING, health(s, null));
    }
  }

  @Test
  void everyKeyFormAndAnEcKeyLoad() throws Exception {
    Issued ecServer = ca.server(true);
    Path ecCert = TestCertificates.write(dir.resolve("ec.crt"), TestCertificates.pem(ecServer.certificate()));
    for (String text : new String[] {TestCertificates.sec1(ecServer), TestCertificates.pkcs8(ecServer)}) {
      Path ecKey = TestCertificates.write(dir.resolve("ec.key"), text);
      Tls t = new Tls(Tls.Pem.read("cert", ecCert), Tls.Pem.read("key", ecKey), null, null, null);
      assertEquals(ClientAuth.NONE, t.clientAuth());
    }
    assertTrue(TestCertificates.sec1(ecServer).contains("BEGIN EC PRIVATE KEY"));
    assertTrue(TestCertificates.pem(server.keys().getPrivate()).contains("BEGIN RSA PRIVATE KEY"));
    assertTrue(TestCertificates.pkcs8(server).contains("BEGIN PRIVATE KEY"));
    Path rsaPkcs8 = TestCertificates.write(dir.resolve("pkcs8.key"), TestCertificates.pkcs8(server));
    new Tls(Tls.Pem.read("cert", cert), Tls.Pem.read("key", rsaPkcs8), null, null, null);
  }

  @Test
  void badFilesAreNamed() throws Exception {
    Issued other = ca.server(false);
    Path wrongKey = TestCertificates.write(dir.resolve("wrong.key"), TestCertificates.pem(other.keys().getPrivate()));
    IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
        () -> new Tls(Tls.Pem.read("cert", cert), Tls.Pem.read("key", wrongKey), null, null, null));
    assertTrue(mismatch.getMessage().contains(wrongKey.toString())
        && mismatch.getMessage().contains("does not belong"), mismatch.getMessage());

    Path missing = dir.resolve("nope.crt");
    IllegalArgumentException gone = assertThrows(IllegalArgumentException.class,
        () -> Tls.Pem.read("tls.certificateChain", missing));
    assertTrue(gone.getMessage().startsWith("tls.certificateChain: cannot read " + missing), gone.getMessage());

    IllegalArgumentException notPem = assertThrows(IllegalArgumentException.class,
        () -> new Tls(Tls.Pem.read("cert", key), Tls.Pem.read("key", key), null, null, null));
    assertTrue(notPem.getMessage().contains(key.toString()), notPem.getMessage());

    IllegalArgumentException noCa = assertThrows(IllegalArgumentException.class, () -> tls(null, ClientAuth.REQUIRE));
    assertTrue(noCa.getMessage().contains("tls.clientCa"), noCa.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Tls.clientAuth("tls.clientAuth", "sometimes"));
  }

  @Test
  void configFileAndEnvironmentTurnTlsOn() throws Exception {
    Path file = dir.resolve("server.json");
    Files.writeString(file, "{\"modelsRoot\": \"" + models + "\", \"tls\": {\"certificateChain\": \"" + cert
        + "\", \"privateKey\": \"" + key + "\", \"clientCa\": \"" + caFile + "\", \"clientAuth\": \"optional\"}}");
    ServerConfig c = ServerConfig.load(file);
    assertEquals(ClientAuth.OPTIONAL, c.tls().clientAuth());
    assertEquals(Tls.Ports.BOTH, c.tls().ports());
    assertTrue(c.toString().contains("tls=Tls[certificateChain=" + cert) && !c.toString().contains("PRIVATE"),
        c.toString());

    Files.writeString(file, "{\"tls\": {\"certificateChain\": \"" + cert + "\"}}");
    IllegalArgumentException half = assertThrows(IllegalArgumentException.class, () -> ServerConfig.load(file));
    assertTrue(half.getMessage().contains("privateKey"), half.getMessage());

    ServerConfig plain = ServerConfig.defaults(models);
    assertNull(plain.withEnvironment(Map.of()).tls());
    ServerConfig env = plain.withEnvironment(Map.of("AEBRIDGE_TLS_CERT", cert.toString(), "AEBRIDGE_TLS_KEY",
        key.toString(), "AEBRIDGE_TLS_CLIENT_CA", caFile.toString()));
    assertEquals(ClientAuth.REQUIRE, env.tls().clientAuth());
    IllegalArgumentException onlyAuth = assertThrows(IllegalArgumentException.class,
        () -> plain.withEnvironment(Map.of("AEBRIDGE_TLS_CLIENT_AUTH", "require")));
    assertTrue(onlyAuth.getMessage().contains("AEBRIDGE_TLS_CLIENT_AUTH"), onlyAuth.getMessage());
    assertInstanceOf(Tls.class, env.withEnvironment(Map.of("AEBRIDGE_TLS_CLIENT_AUTH", "none")).tls());
  }
}
