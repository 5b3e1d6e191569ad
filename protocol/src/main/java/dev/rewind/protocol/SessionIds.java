package dev.rewind.protocol;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/** Session ids: {@code s_} and 128 random bits in URL-safe base64 (22 characters), safe in paths and keys. */
public final class SessionIds {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern FORMAT = Pattern.compile("s_[A-Za-z0-9_-]{22}");

    private SessionIds() {}

    public static String newId() {
        byte[] bits = new byte[16];
        RANDOM.nextBytes(bits);
        return "s_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }

    public static boolean isValid(String candidate) {
        return candidate != null && FORMAT.matcher(candidate).matches();
    }
}
