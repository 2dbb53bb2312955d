package io.aebridge.serve;

import io.aebridge.serve.ServerConfig.Tls;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The server's TLS material, read once from PEM text with BouncyCastle's {@link PEMParser} (certificates, and a
 * private key as PKCS#8 {@code BEGIN PRIVATE KEY} or the OpenSSL forms {@code BEGIN RSA PRIVATE KEY} and
 * {@code BEGIN EC PRIVATE KEY}), checked (the key belongs to the first certificate), and handed to both transports as
 * the same in-memory key store: Jetty's {@link SslContextFactory.Server} for HTTPS and grpc-java's
 * {@link TlsServerCredentials} for gRPC. Immutable and thread-safe; holds no native resources.
 */
public final class ServerTls {
  /** The in-memory key store's password: it never leaves this process, but the JDK API wants one. */
  private static final char[] STORE_PASSWORD = "aebridge".toCharArray();

  private final Tls config;
  private final KeyStore keyStore;
  private final KeyStore trustStore;

  private ServerTls(Tls config, KeyStore keyStore, KeyStore trustStore) {
    this.config = config;
    this.keyStore = keyStore;
    this.trustStore = trustStore;
  }

  /**
   * Parses and checks {@code config}'s PEM text.
   *
   * @throws IllegalArgumentException naming the source (file) of a missing, unreadable or mismatched part
   */
  public static ServerTls of(Tls config) {
    List<X509Certificate> chain = chain(config.certificateChain());
    PrivateKey key = matchingKey(config.privateKey(), chain);
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("server", key, STORE_PASSWORD, chain.toArray(new X509Certificate[0]));
      KeyStore trust = null;
      if (config.clientCa() != null) {
        List<X509Certificate> cas = certificates(config.clientCa());
        if (cas.isEmpty()) {
          throw new IllegalArgumentException("tls.clientCa: " + config.clientCa().source()
              + " holds no PEM certificate (BEGIN CERTIFICATE)");
        }
        trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < cas.size(); i++) {
          trust.setCertificateEntry("ca-" + i, cas.get(i));
        }
      }
      return new ServerTls(config, keys, trust);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("tls: cannot build a key store from " + config.certificateChain().source()
          + " and " + config.privateKey().source() + ": " + e.getMessage(), e);
    }
  }

  /** What this material was read from, and how clients are asked for certificates. */
  public Tls config() {
    return config;
  }

  /** The HTTPS side: a Jetty SSL context factory holding the key store (and the client CAs for mutual TLS). */
  public SslContextFactory.Server jetty() {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(keyStore);
    ssl.setKeyStorePassword(new String(STORE_PASSWORD));
    ssl.setKeyManagerPassword(new String(STORE_PASSWORD));
    if (trustStore != null) {
      ssl.setTrustStore(trustStore);
    }
    switch (config.clientAuth()) {
      case REQUIRE -> ssl.setNeedClientAuth(true);
      case OPTIONAL -> ssl.setWantClientAuth(true);
      case NONE -> { }
    }
    return ssl;
  }

  /** The gRPC side: grpc-java's transport-neutral TLS credentials over the same key store. */
  public ServerCredentials grpc() {
    try {
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(keyStore, STORE_PASSWORD);
      TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(keys.getKeyManagers());
      if (trustStore != null) {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trustStore);
        b.trustManager(trust.getTrustManagers());
      }
      b.clientAuth(switch (config.clientAuth()) {
        case REQUIRE -> TlsServerCredentials.ClientAuth.REQUIRE;
        case OPTIONAL -> TlsServerCredentials.ClientAuth.OPTIONAL;
        case NONE -> TlsServerCredentials.ClientAuth.NONE;
      });
      return b.build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Could not set up gRPC TLS from a key store that loaded: " + e.getMessage(), e);
    }
  }

  /**
   * Checks that {@code chain} holds certificates, {@code key} a private key of the first one, and {@code clientCa}
   * (when not {@code null}) certificates; what {@link Tls}'s constructor validates.
   *
   * @throws IllegalArgumentException naming the source of the first problem
   */
  static void check(Tls.Pem chain, Tls.Pem key, Tls.Pem clientCa) {
    matchingKey(key, chain(chain));
    if (clientCa != null && certificates(clientCa).isEmpty()) {
      throw new IllegalArgumentException("tls.clientCa: " + clientCa.source()
          + " holds no PEM certificate (BEGIN CERTIFICATE)");
    }
  }

  private static List<X509Certificate> chain(Tls.Pem pem) {
    List<X509Certificate> chain = certificates(pem);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("tls.certificateChain: " + pem.source()
          + " holds no PEM certificate (BEGIN CERTIFICATE)");
    }
    return chain;
  }

  private static PrivateKey matchingKey(Tls.Pem pem, List<X509Certificate> chain) {
    PrivateKey key = privateKey(pem);
    if (!matches(key, chain.get(0).getPublicKey())) {
      throw new IllegalArgumentException("tls.privateKey: the key in " + pem.source()
          + " does not belong to the first certificate of the chain ("
          + chain.get(0).getSubjectX500Principal().getName() + ")");
    }
    return key;
  }

  /** Every {@code BEGIN CERTIFICATE} block of {@code pem}, in order. */
  static List<X509Certificate> certificates(Tls.Pem pem) {
    List<X509Certificate> out = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem.text()))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof X509CertificateHolder holder) {
          out.add(converter.getCertificate(holder));
        }
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      throw new IllegalArgumentException(pem.source() + " is not valid PEM: " + e.getMessage(), e);
    }
    return out;
  }

  /** The one private key of {@code pem}: PKCS#8, or OpenSSL's RSA/EC key pair form. */
  static PrivateKey privateKey(Tls.Pem pem) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem.text()))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
          throw new IllegalArgumentException(pem.source() + " holds an encrypted private key; give the key "
              + "unencrypted (openssl pkey -in key.pem -out plain.pem) and protect the file instead");
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException bad && bad.getMessage().startsWith(pem.source())) {
        throw bad;
      }
      throw new IllegalArgumentException(pem.source() + " is not a valid PEM private key: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException(pem.source() + " holds no private key (BEGIN PRIVATE KEY, BEGIN RSA "
        + "PRIVATE KEY or BEGIN EC PRIVATE KEY)");
  }

  /** Whether {@code key} signs what {@code publicKey} verifies: works for RSA, EC and EdDSA alike. */
  private static boolean matches(PrivateKey key, PublicKey publicKey) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
      case "DSA" -> "SHA256withDSA";
      default -> throw new IllegalArgumentException("tls.privateKey: unsupported key type " + key.getAlgorithm()
          + " (RSA, EC or Ed25519 expected)");
    };
    byte[] probe = new byte[32];
    new SecureRandom().nextBytes(probe);
    try {
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] signature = s.sign();
      Signature v = Signature.getInstance(algorithm);
      v.initVerify(publicKey);
      v.update(probe);
      return v.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
