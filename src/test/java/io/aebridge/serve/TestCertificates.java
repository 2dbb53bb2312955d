package io.aebridge.serve;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority for TLS tests, minted with BouncyCastle at test time: a CA, server certificates
 * for {@code localhost} / {@code 127.0.0.1}, client certificates, written as PEM in the forms servers are given
 * (PKCS#8 or OpenSSL's traditional {@code RSA/EC PRIVATE KEY}).
 */
public final class TestCertificates {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** A key pair and its certificate (signed by the CA, or self-signed for the CA). */
  public record Issued(KeyPair keys, X509Certificate certificate) {}

  private final Issued ca;

  private TestCertificates(Issued ca) {
    this.ca = ca;
  }

  /** A new CA named {@code name} (RSA 2048). */
  public static TestCertificates authority(String name) throws Exception {
    KeyPair keys = rsa();
    X500Name subject = new X500Name("CN=" + name);
    JcaX509v3CertificateBuilder b = builder(subject, subject, keys);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    return new TestCertificates(new Issued(keys, sign(b, keys)));
  }

  public Issued ca() {
    return ca;
  }

  /** A server certificate for localhost and 127.0.0.1; {@code ec} picks an EC P-256 key instead of RSA. */
  public Issued server(boolean ec) throws Exception {
    KeyPair keys = ec ? ec() : rsa();
    JcaX509v3CertificateBuilder b = builder(new X500Name("CN=localhost"), issuer(), keys);
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    return new Issued(keys, sign(b, ca.keys()));
  }

  /** A client certificate named {@code name}. */
  public Issued client(String name) throws Exception {
    KeyPair keys = rsa();
    JcaX509v3CertificateBuilder b = builder(new X500Name("CN=" + name), issuer(), keys);
    return new Issued(keys, sign(b, ca.keys()));
  }

  /** {@code objects} as PEM text (certificates; a private key in OpenSSL's traditional RSA/EC form). */
  public static String pem(Object... objects) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      for (Object o : objects) {
        w.writeObject(o);
      }
    }
    return out.toString();
  }

  /** {@code issued}'s private key as PKCS#8 ({@code BEGIN PRIVATE KEY}). */
  public static String pkcs8(Issued issued) throws IOException {
    return pem(new JcaPKCS8Generator(issued.keys().getPrivate(), null));
  }

  /**
   * {@code issued}'s EC key in OpenSSL's SEC 1 form ({@code BEGIN EC PRIVATE KEY}) with its curve and public key, as
   * {@code openssl ecparam -genkey} writes it (the JDK's own encoding leaves both out of the inner structure).
   */
  public static String sec1(Issued issued) throws IOException {
    java.security.interfaces.ECPrivateKey k = (java.security.interfaces.ECPrivateKey) issued.keys().getPrivate();
    org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(
        k.getEncoded());
    org.bouncycastle.asn1.x509.SubjectPublicKeyInfo pub = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo
        .getInstance(issued.keys().getPublic().getEncoded());
    org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
        k.getParams().getOrder().bitLength(), k.getS(), pub.getPublicKeyData(),
        info.getPrivateKeyAlgorithm().getParameters());
    return pem(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded()));
  }

  public static Path write(Path file, String text) throws IOException {
    return Files.writeString(file, text);
  }

  /** A client TLS context trusting this CA, presenting {@code client} when not {@code null}. */
  public SSLContext clientContext(Issued client) throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (client != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", client.keys().getPrivate(), "x".toCharArray(),
          new X509Certificate[] {client.certificate()});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, "x".toCharArray());
    }
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ssl;
  }

  private X500Name issuer() {
    return X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded());
  }

  private static JcaX509v3CertificateBuilder builder(X500Name subject, X500Name issuer, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), subject,
        keys.getPublic());
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair signer) throws Exception {
    String algorithm = signer.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder(algorithm).build(signer.getPrivate())));
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static KeyPair ec() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }
}
