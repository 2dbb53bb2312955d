package io.aebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.ServerConfig.Tls;
import io.aebridge.serve.TestCertificates;
import io.aebridge.serve.TestCertificates.Issued;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tensorflow.serving.SslConfig.SSLConfig;

/** {@code aebridge tfserving --ssl_config_file}: TF Serving's text-format SSLConfig (PEM text inside) as gRPC TLS. */
class TfServingSslTest {
  @TempDir Path dir;

  private Path sslConfig(SSLConfig c) throws Exception {
    return Files.writeString(dir.resolve("ssl.config"), TextFormat.printer().printToString(c));
  }

  @Test
  void sslConfigTurnsOnGrpcTlsWithClientVerification() throws Exception {
    TestCertificates ca = TestCertificates.authority("tfserving test CA");
    Issued server = ca.server(false);
    String cert = TestCertificates.pem(server.certificate());
    String key = TestCertificates.pem(server.keys().getPrivate());
    String caPem = TestCertificates.pem(ca.ca().certificate());
    Path file = sslConfig(SSLConfig.newBuilder().setServerCert(cert).setServerKey(key).setCustomCa(caPem)
        .setClientVerify(true).build());
    ServerConfig c = TfServingCommandTest.config("--port=9000", "--rest_api_port=8080", "--model_name=m",
        "--model_base_path=" + dir, "--ssl_config_file=" + file);
    Tls tls = c.tls();
    assertEquals(Tls.ClientAuth.REQUIRE, tls.clientAuth());
    assertEquals(Tls.Ports.GRPC, tls.ports());
    assertTrue(tls.grpc() && !tls.http(), "TF Serving secures gRPC only");
    assertEquals(file + " custom_ca", tls.clientCa().source());

    Path noVerify = sslConfig(SSLConfig.newBuilder().setServerCert(cert).setServerKey(key).build());
    Tls plainClients = TfServingCommandTest.config("--model_name=m", "--model_base_path=" + dir,
        "--ssl_config_file=" + noVerify).tls();
    assertEquals(Tls.ClientAuth.NONE, plainClients.clientAuth());
    assertNull(plainClients.clientCa());
  }

  @Test
  void brokenSslConfigsAreNamed() throws Exception {
    TestCertificates ca = TestCertificates.authority("tfserving test CA");
    Issued server = ca.server(false);
    Issued other = ca.server(false);
    String cert = TestCertificates.pem(server.certificate());
    Path noCa = sslConfig(SSLConfig.newBuilder().setServerCert(cert)
        .setServerKey(TestCertificates.pem(server.keys().getPrivate())).setClientVerify(true).build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TfServingCommandTest.config(
        "--model_name=m", "--model_base_path=" + dir, "--ssl_config_file=" + noCa));
    assertTrue(e.getMessage().contains("custom_ca"), e.getMessage());

    Path wrongKey = sslConfig(SSLConfig.newBuilder().setServerCert(cert)
        .setServerKey(TestCertificates.pem(other.keys().getPrivate())).build());
    e = assertThrows(IllegalArgumentException.class, () -> TfServingCommandTest.config(
        "--model_name=m", "--model_base_path=" + dir, "--ssl_config_file=" + wrongKey));
    assertTrue(e.getMessage().contains(wrongKey + " server_key") && e.getMessage().contains("does not belong"),
        e.getMessage());

    Path notText = Files.writeString(dir.resolve("bad.config"), "server_cert: [1, 2]");
    e = assertThrows(IllegalArgumentException.class, () -> TfServingCommandTest.config(
        "--model_name=m", "--model_base_path=" + dir, "--ssl_config_file=" + notText));
    assertTrue(e.getMessage().contains("SSLConfig"), e.getMessage());
  }
}
