package io.orchion.security.internal;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** The random parts of API and join tokens: a short public id and a 256-bit secret. */
final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** Ten hex digits: a token's id, shown in lists and audit entries. */
    static String randomId() {
        byte[] b = new byte[5];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** 256 random bits, base64url without padding: a token's secret, stored only as its SHA-256. */
    static String secret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
