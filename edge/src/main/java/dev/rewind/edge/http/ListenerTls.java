package dev.rewind.edge.http;

import dev.rewind.protocol.config.ConfigException;
import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TLS of the edge's HTTP listener ({@code http.tls}), off by default: the server's key and certificate
 * chain come either from a PKCS#12 keystore ({@code keystore_path}, its password read from the
 * environment variable {@code keystore_password_env} or the file {@code keystore_password_file}, like
 * ingest's upstream keys, so it is never in the config or a log) or from PEM files
 * ({@code private_key_path}, an unencrypted PKCS#8 or PKCS#1 key, and {@code certificate_chain_path}).
 */
public record ListenerTls(
        boolean enabled,
        String keystorePath,
        String keystorePasswordEnv,
        String keystorePasswordFile,
        String privateKeyPath,
        String certificateChainPath,
        List<String> protocols) {

    private static final Set<String> KNOWN_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

    public ListenerTls {
        protocols = protocols == null || protocols.isEmpty() ? List.of("TLSv1.3", "TLSv1.2") : List.copyOf(protocols);
        protocols.forEach(p -> ConfigException.check(KNOWN_PROTOCOLS.contains(p), "protocols",
                "entries are TLSv1.3 or TLSv1.2, was " + p));
        boolean keystore = present(keystorePath);
        boolean pem = present(privateKeyPath) || present(certificateChainPath);
        if (enabled) {
            ConfigException.check(keystore != pem, "keystore_path",
                    "give keystore_path (PKCS#12) or private_key_path and certificate_chain_path (PEM), exactly one of the two");
            ConfigException.check(!pem || (present(privateKeyPath) && present(certificateChainPath)), "certificate_chain_path",
                    "PEM needs both private_key_path and certificate_chain_path");
            ConfigException.check(!keystore || present(keystorePasswordEnv) != present(keystorePasswordFile),
                    "keystore_password_env", "give keystore_password_env or keystore_password_file, exactly one of the two");
        }
    }

    /** Plain HTTP. */
    public static ListenerTls disabled() {
        return new ListenerTls(false, null, null, null, null, null, null);
    }

    /**
     * The listener's TLS: disabled unless {@code enabled}; otherwise the key material read now, so a missing
     * file or password stops startup with the key that names it ({@code http.tls.…}).
     */
    public Tls toHelidon(Map<String, String> env) {
        if (!enabled) {
            return Tls.builder().enabled(false).build();
        }
        TlsConfig.Builder tls = Tls.builder().enabledProtocols(protocols);
        if (present(keystorePath)) {
            KeyStore.PrivateKeyEntry entry = keystoreEntry(env);
            tls.privateKey(entry.getPrivateKey())
                    .privateKeyCertChain(Arrays.stream(entry.getCertificateChain()).map(X509Certificate.class::cast).toList());
        } else {
            Keys keys = pemKeys();
            // Helidon leaves out what it cannot find in a PEM file; without a key every handshake would fail
            ConfigException.check(keys.privateKey().isPresent(), "http.tls.private_key_path",
                    "no private key found in " + privateKeyPath + " (PEM PKCS#8 or PKCS#1 expected)");
            ConfigException.check(!keys.certChain().isEmpty(), "http.tls.certificate_chain_path",
                    "no certificate found in " + certificateChainPath);
            tls.privateKey(keys).privateKeyCertChain(keys);
        }
        try {
            return tls.build();
        } catch (RuntimeException e) {
            throw unusable(present(keystorePath) ? "keystore_path" : "private_key_path", "cannot use the key material", e);
        }
    }

    /** The keystore's one private key with its chain (read with the JDK's own KeyStore, so no alias needs configuring). */
    private KeyStore.PrivateKeyEntry keystoreEntry(Map<String, String> env) {
        Path file = readable(keystorePath, "keystore_path");
        char[] password = password(env);
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore keystore = KeyStore.getInstance("PKCS12");
            keystore.load(in, password);
            List<String> keyAliases = Collections.list(keystore.aliases()).stream()
                    .filter(alias -> isKeyEntry(keystore, alias)).toList();
            ConfigException.check(keyAliases.size() == 1, "http.tls.keystore_path",
                    "the keystore " + file + " must hold exactly one private key entry, holds " + keyAliases.size());
            return (KeyStore.PrivateKeyEntry) keystore.getEntry(keyAliases.getFirst(), new KeyStore.PasswordProtection(password));
        } catch (IOException | GeneralSecurityException e) {
            throw unusable("keystore_path", "cannot read the PKCS#12 keystore " + file + " (wrong password, or not PKCS#12?)", e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static boolean isKeyEntry(KeyStore keystore, String alias) {
        try {
            return keystore.entryInstanceOf(alias, KeyStore.PrivateKeyEntry.class);
        } catch (KeyStoreException e) {
            return false;
        }
    }

    private Keys pemKeys() {
        Path key = readable(privateKeyPath, "private_key_path");
        Path chain = readable(certificateChainPath, "certificate_chain_path");
        try {
            return Keys.builder().pem(p -> p.key(Resource.create(key)).certChain(Resource.create(chain))).build();
        } catch (RuntimeException e) {
            throw unusable("private_key_path", "cannot read the PEM key " + key + " or chain " + chain
                    + " (an encrypted key is not supported: convert key and chain to PKCS#12)", e);
        }
    }

    private char[] password(Map<String, String> env) {
        if (present(keystorePasswordEnv)) {
            String value = env.get(keystorePasswordEnv);
            ConfigException.check(value != null && !value.isEmpty(), "http.tls.keystore_password_env",
                    "environment variable " + keystorePasswordEnv + " is not set");
            return value.toCharArray();
        }
        Path file = readable(keystorePasswordFile, "keystore_password_file");
        try {
            // a trailing line break is the file's, not the password's
            String value = Files.readString(file, StandardCharsets.UTF_8).stripTrailing();
            ConfigException.check(!value.isEmpty(), "http.tls.keystore_password_file", "file " + file + " is empty");
            return value.toCharArray();
        } catch (IOException e) {
            throw unusable("keystore_password_file", "cannot read " + file, e);
        }
    }

    /** Startup stops naming the key; the cause's message names files, never a password. */
    private static ConfigException unusable(String key, String problem, Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new ConfigException("http.tls." + key, problem + ": " + root.getMessage());
    }

    private static Path readable(String path, String key) {
        Path file = Path.of(path);
        ConfigException.check(Files.isRegularFile(file) && Files.isReadable(file), "http.tls." + key,
                "file " + path + " does not exist or is not readable");
        return file;
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }
}
