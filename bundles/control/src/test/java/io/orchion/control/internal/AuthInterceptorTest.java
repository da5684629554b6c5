package io.orchion.control.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What a join's audit entry says of the join token: its id, and nothing of a token that is not well formed. */
class AuthInterceptorTest {

    @Test
    void aJoinNamesItsTokenByIdOnly() {
        assertEquals("join token 48d46ea25b",
                AuthInterceptor.joinTokenId("ojt1.48d46ea25b.tdrsh3FWKVpKz0DuMD-L51llBA0pS0Ztpx7rbpmSup4.6VD0nt2y7iuiDJDXkVISkJsV6W9IMC"));
        // a secret pasted where the id belongs, a token of another kind, pieces missing: not named
        assertEquals("", AuthInterceptor.joinTokenId("ojt1.tdrsh3FWKVpKz0DuMD-L51llBA0pS0Ztpx7rbpmSup4.x.y"));
        assertEquals("", AuthInterceptor.joinTokenId("oat1.48d46ea25b.secret"));
        assertEquals("", AuthInterceptor.joinTokenId("ojt1.48d46ea25b.secret"));
        assertEquals("", AuthInterceptor.joinTokenId(""));
        assertEquals("", AuthInterceptor.joinTokenId(null));
    }
}
