package dev.rewind.protocol.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.protocol.token.InvalidTokenException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReadTokenSignerTest {

    private static final byte[] OLD = "old-key-0123456789abcdef01234567".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEW = "new-key-0123456789abcdef01234567".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");
    private static final ReadToken TOKEN = new ReadToken("s_AAAAAAAAAAAAAAAAAAAAAA", NOW, NOW.plus(Duration.ofHours(1)));
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final ReadTokenSigner signer = new ReadTokenSigner(Map.of("k1", OLD), "k1");

    @Test
    void verifiesWhatItSigned() throws Exception {
        String token = signer.sign(TOKEN);
        assertThat(token).startsWith("rt1.k1.").matches("rt1\\.k1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        assertThat(signer.verify(token, NOW.plusSeconds(60))).isEqualTo(TOKEN);
        assertThat(signer.verify(token, TOKEN.expiresAt().minusMillis(1))).isEqualTo(TOKEN);
    }

    @Test
    void refusesATokenFromItsExpiryOn() {
        String token = signer.sign(TOKEN);
        assertReason(() -> signer.verify(token, TOKEN.expiresAt()), Reason.EXPIRED);
        assertReason(() -> signer.verify(token, TOKEN.expiresAt().plus(Duration.ofDays(3))), Reason.EXPIRED);
    }

    @Test
    void refusesATamperedPayload() {
        String[] parts = signer.sign(TOKEN).split("\\.");
        String otherSession = payload("s_BBBBBBBBBBBBBBBBBBBBBB|" + NOW.toEpochMilli() + "|" + TOKEN.expiresAt().toEpochMilli());
        String longerLife = payload(TOKEN.sessionId() + "|" + NOW.toEpochMilli() + "|" + Long.MAX_VALUE);
        assertReason(() -> signer.verify(join(parts[0], parts[1], otherSession, parts[3]), NOW), Reason.BAD_SIGNATURE);
        assertReason(() -> signer.verify(join(parts[0], parts[1], longerLife, parts[3]), NOW), Reason.BAD_SIGNATURE);
    }

    @Test
    void refusesATamperedSignature() {
        String[] parts = signer.sign(TOKEN).split("\\.");
        // the first character carries six whole bits of the MAC, so changing it always changes the bytes
        String flipped = (parts[3].charAt(0) == 'A' ? "B" : "A") + parts[3].substring(1);
        assertReason(() -> signer.verify(join(parts[0], parts[1], parts[2], flipped), NOW), Reason.BAD_SIGNATURE);
        assertReason(() -> signer.verify(join(parts[0], parts[1], parts[2], ""), NOW), Reason.BAD_SIGNATURE);
    }

    @Test
    void refusesATokenSignedWithAnotherSecretUnderTheSameKeyId() {
        String forged = new ReadTokenSigner(Map.of("k1", NEW), "k1").sign(TOKEN);
        assertReason(() -> signer.verify(forged, NOW), Reason.BAD_SIGNATURE);
    }

    @Test
    void refusesAnUnknownKeyId() {
        String foreign = new ReadTokenSigner(Map.of("k9", NEW), "k9").sign(TOKEN);
        assertReason(() -> signer.verify(foreign, NOW), Reason.UNKNOWN_KEY);
    }

    @Test
    void rotatesKeysWithoutInvalidatingTokensSignedWithTheOldOne() throws Exception {
        String old = signer.sign(TOKEN);
        ReadTokenSigner rotated = new ReadTokenSigner(Map.of("k1", OLD, "k2", NEW), "k2");
        assertThat(rotated.verify(old, NOW)).isEqualTo(TOKEN);

        String fresh = rotated.sign(TOKEN);
        assertThat(fresh).startsWith("rt1.k2.");
        assertThat(new ReadTokenSigner(Map.of("k2", NEW), "k2").verify(fresh, NOW)).isEqualTo(TOKEN);
        assertReason(() -> signer.verify(fresh, NOW), Reason.UNKNOWN_KEY);

        ReadTokenSigner retired = new ReadTokenSigner(Map.of("k2", NEW), "k2");
        assertReason(() -> retired.verify(old, NOW), Reason.UNKNOWN_KEY);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {
        "", "rt1", "rt1.k1", "rt1.k1.x", "rt2.k1.a.b", "RT1.k1.a.b", "rt1.k1.a.b.c", "rt1.k1.!!!.###", "rt1.k1.a.b c"})
    void refusesMalformedStrings(String garbage) {
        assertReason(() -> signer.verify(garbage, NOW), Reason.MALFORMED);
    }

    @Test
    void refusesAnOverlongString() {
        String huge = signer.sign(TOKEN) + "A".repeat(1_000);
        assertReason(() -> signer.verify(huge, NOW), Reason.MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"s_AAAAAAAAAAAAAAAAAAAAAA|1", "s_AAAAAAAAAAAAAAAAAAAAAA|1|2|3", "s_AAAAAAAAAAAAAAAAAAAAAA|soon|later", ""})
    void refusesASignedPayloadThatIsNotSessionCreatedExpiry(String payload) {
        // signed with the right key, so only the payload check can refuse it
        String unsigned = "rt1.k1." + payload(payload);
        String token = unsigned + "." + B64URL.encodeToString(hmac(OLD, unsigned));
        assertReason(() -> signer.verify(token, NOW), Reason.MALFORMED);
    }

    @Test
    void neverPutsTheTokenInItsMessages() {
        String token = signer.sign(TOKEN);
        assertThatThrownBy(() -> signer.verify(token, TOKEN.expiresAt()))
                .isInstanceOf(InvalidTokenException.class)
                .message().doesNotContain(token.split("\\.")[2]).doesNotContain(token.split("\\.")[3]);
    }

    @Test
    void refusesShortKeysBadKeyIdsAndAnActiveKeyThatIsNotListed() {
        assertThatThrownBy(() -> new ReadTokenSigner(Map.of("k1", new byte[16]), "k1")).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> new ReadTokenSigner(Map.of("k.1", OLD), "k.1")).hasMessageContaining("k.1");
        assertThatThrownBy(() -> new ReadTokenSigner(Map.of("k1", OLD), "k2")).hasMessageContaining("k2");
    }

    private static String payload(String text) {
        return B64URL.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String join(String... parts) {
        return String.join(".", parts);
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertReason(ThrowingCallable call, Reason reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidTokenException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
