package dev.rewind.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code http.tls}: the edge serves HTTPS from a PKCS#12 keystore or PEM files generated here with the JDK's
 * keytool (a self-signed certificate for 127.0.0.1), and a bad key file or password stops startup naming the key.
 */
@WithKafka
class ListenerTlsTest {

    private static final String PASSWORD = "ks-secret-8c1f";
    private static final int PARTITIONS = 3;

    @TempDir
    static Path dir;

    private static Path keystore;
    private static Path passwordFile;
    private static Path pemKey;
    private static Path pemChain;
    private static Certificate certificate;
    private static HttpClient trusting;
    private static String bootstrap;

    @BeforeAll
    static void generateKeyMaterial(KafkaBroker broker) throws Exception {
        broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(PARTITIONS));
        bootstrap = broker.bootstrapServers();
        keystore = dir.resolve("edge.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "edge", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(output).isZero();
        passwordFile = Files.writeString(dir.resolve("keystore-password"), PASSWORD + "\n");

        KeyStore loaded = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            loaded.load(in, PASSWORD.toCharArray());
        }
        certificate = loaded.getCertificate("edge");
        pemKey = Files.writeString(dir.resolve("tls.key"),
                pem("PRIVATE KEY", loaded.getKey("edge", PASSWORD.toCharArray()).getEncoded()));
        pemChain = Files.writeString(dir.resolve("tls.crt"), pem("CERTIFICATE", certificate.getEncoded()));

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("edge", certificate);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        trusting = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void servesHttpsFromAPkcs12KeystoreWhosePasswordIsInAFile() throws Exception {
        try (EdgeServer edge = start("{enabled: true, keystore_path: \"%s\", keystore_password_file: \"%s\"}"
                .formatted(keystore, passwordFile))) {
            HttpResponse<String> response = trusting.send(get("https", edge.port(), "/health/live"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.sslSession()).hasValueSatisfying(s -> assertThat(s.getProtocol()).isEqualTo("TLSv1.3"));
            assertThat(response.sslSession().orElseThrow().getPeerCertificates()[0])
                    .isEqualTo(certificate);
            // the listener speaks TLS only: a client that does not trust the self-signed certificate, and plain HTTP, fail
            try (HttpClient defaults = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                assertThatThrownBy(() -> defaults.send(get("https", edge.port(), "/health/live"),
                        HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
                assertThatThrownBy(() -> defaults.send(get("http", edge.port(), "/health/live"),
                        HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
            }
        }
    }

    @Test
    void servesHttpsFromPemKeyAndCertificateChain() throws Exception {
        try (EdgeServer edge = start("{enabled: true, private_key_path: \"%s\", certificate_chain_path: \"%s\"}"
                .formatted(pemKey, pemChain))) {
            HttpResponse<String> response = trusting.send(get("https", edge.port(), "/v1/sessions/" + SessionIds.newId() + "/events"),
                    HttpResponse.BodyHandlers.ofString());
            // routed through the whole server over TLS: an unauthenticated stream is refused with problem JSON
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
    }

    @Test
    void takesTheKeystorePasswordFromTheNamedEnvironmentVariable() {
        ListenerTls tls = new ListenerTls(true, keystore.toString(), "EDGE_KEYSTORE_PASSWORD", null, null, null, null);
        assertThat(tls.toHelidon(Map.of("EDGE_KEYSTORE_PASSWORD", PASSWORD)).enabled()).isTrue();
        assertThatThrownBy(() -> tls.toHelidon(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.tls.keystore_password_env")
                .hasMessageContaining("EDGE_KEYSTORE_PASSWORD is not set");
    }

    @Test
    void aWrongPasswordOrAMissingFileStopsStartupNamingTheKeyNeverThePassword() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong-password"), "not-" + PASSWORD);
        assertThatThrownBy(() -> start("{enabled: true, keystore_path: \"%s\", keystore_password_file: \"%s\"}"
                .formatted(keystore, wrong)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.tls.keystore_path")
                .hasMessageNotContaining(PASSWORD);
        assertThatThrownBy(() -> start("{enabled: true, private_key_path: \"%s\", certificate_chain_path: \"%s\"}"
                .formatted(dir.resolve("absent.key"), pemChain)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.tls.private_key_path");
    }

    @Test
    void anEnabledSectionWithoutKeyMaterialIsABadConfig() {
        assertThatThrownBy(() -> EdgeTestConfig.forBroker(bootstrap, PARTITIONS, "http: {tls: {enabled: true}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.tls.keystore_path");
        assertThatThrownBy(() -> EdgeTestConfig.forBroker(bootstrap, PARTITIONS,
                "http: {tls: {enabled: true, keystore_path: /x.p12}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.tls.keystore_password_env");
        assertThatThrownBy(() -> EdgeTestConfig.forBroker(bootstrap, PARTITIONS,
                "http: {tls: {enabled: true, private_key_path: /k.pem}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.tls.certificate_chain_path");
        assertThatThrownBy(() -> EdgeTestConfig.forBroker(bootstrap, PARTITIONS, "http: {tls: {protocols: [SSLv3]}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.tls.protocols");
    }

    private static EdgeServer start(String tlsYaml) {
        return EdgeServer.start(EdgeTestConfig.forBroker(bootstrap, PARTITIONS, "http: {tls: " + tlsYaml + "}"),
                Clock.systemUTC());
    }

    private static HttpRequest get(String scheme, int port, String path) {
        return HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
