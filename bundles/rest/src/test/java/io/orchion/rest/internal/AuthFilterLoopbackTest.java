package io.orchion.rest.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which clients the rate limit spares by default: loopback address literals, never a name. */
class AuthFilterLoopbackTest {

    @Test
    void loopbackLiteralsOnly() {
        for (String a : new String[] { "127.0.0.1", "127.8.9.10", "::1", "[::1]", "0:0:0:0:0:0:0:1" }) {
            assertTrue(AuthFilter.loopback(a), a);
        }
        for (String a : new String[] { "192.0.2.1", "[2001:db8::1]", "localhost", "", "[", "[]", "::1]", null }) {
            assertFalse(AuthFilter.loopback(a), String.valueOf(a));
        }
    }
}
