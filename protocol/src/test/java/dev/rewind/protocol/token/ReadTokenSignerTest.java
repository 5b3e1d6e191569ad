package dev.rewind.protocol.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadTokenSignerTest {

    private static final byte[] OLD = "old-key-0123456789abcdef01234567".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEW = "new-key-0123456789abcdef01234567".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");
    private static final ReadToken TOKEN = new ReadToken("s_AAAAAAAAAAAAAAAAAAAAAA", NOW, NOW.plus(Duration.ofHours(1)));

    @Test
    void verifiesWhatItSigned() throws Exception {
        ReadTokenSigner signer = new ReadTokenSigner(Map.of("k1", OLD), "k1");
        String token = signer.sign(TOKEN);
        assertThat(token).startsWith("rt1.k1.");
        assertThat(signer.verify(token, NOW.plusSeconds(60))).isEqualTo(TOKEN);
    }

    @Test
    void refusesAnExpiredToken() {
        ReadTokenSigner signer = new ReadTokenSigner(Map.of("k1", OLD), "k1");
        String token = signer.sign(TOKEN);
        assertReason(() -> signer.verify(token, TOKEN.expiresAt()), InvalidTokenException.Reason.EXPIRED);
    }

    @Test
    void refusesATamperedPayloadOrSignature() {
        ReadTokenSigner signer = new ReadTokenSigner(Map.of("k1", OLD), "k1");
        String[] parts = signer.sign(TOKEN).split("\\.");
        String otherPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("s_BBBBBBBBBBBBBBBBBBBBBB|" + NOW.toEpochMilli() + "|" + TOKEN.expiresAt().toEpochMilli()).getBytes(StandardCharsets.UTF_8));
        assertReason(() -> signer.verify(parts[0] + "." + parts[1] + "." + otherPayload + "." + parts[3], NOW),
                InvalidTokenException.Reason.BAD_SIGNATURE);
        String flipped = parts[3].charAt(0) == 'A' ? "B" + parts[3].substring(1) : "A" + parts[3].substring(1);
        assertReason(() -> signer.verify(parts[0] + "." + parts[1] + "." + parts[2] + "." + flipped, NOW),
                InvalidTokenException.Reason.BAD_SIGNATURE);
    }

    @Test
    void refusesUnknownKeysAndMalformedStrings() {
        ReadTokenSigner signer = new ReadTokenSigner(Map.of("k1", OLD), "k1");
        String foreign = new ReadTokenSigner(Map.of("k9", NEW), "k9").sign(TOKEN);
        assertReason(() -> signer.verify(foreign, NOW), InvalidTokenException.Reason.UNKNOWN_KEY);
        for (String garbage : new String[] {"", "rt1", "rt1.k1.x", "rt2.k1.a.b", "rt1.k1.!!!.###", "x".repeat(2000)}) {
            assertReason(() -> signer.verify(garbage, NOW), InvalidTokenException.Reason.MALFORMED);
        }
    }

    @Test
    void rotatesKeysWithoutInvalidatingTokensSignedWithTheOldOne() throws Exception {
        String old = new ReadTokenSigner(Map.of("k1", OLD), "k1").sign(TOKEN);
        ReadTokenSigner rotated = new ReadTokenSigner(Map.of("k1", OLD, "k2", NEW), "k2");
        assertThat(rotated.verify(old, NOW)).isEqualTo(TOKEN);
        assertThat(rotated.sign(TOKEN)).startsWith("rt1.k2.");
        ReadTokenSigner retired = new ReadTokenSigner(Map.of("k2", NEW), "k2");
        assertReason(() -> retired.verify(old, NOW), InvalidTokenException.Reason.UNKNOWN_KEY);
    }

    @Test
    void refusesShortKeysAndAnActiveKeyThatIsNotListed() {
        assertThatThrownBy(() -> new ReadTokenSigner(Map.of("k1", new byte[16]), "k1")).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> new ReadTokenSigner(Map.of("k1", OLD), "k2")).hasMessageContaining("k2");
    }

    private static void assertReason(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, InvalidTokenException.Reason reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidTokenException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
