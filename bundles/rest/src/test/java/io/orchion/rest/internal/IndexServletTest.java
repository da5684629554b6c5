package io.orchion.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The status page may not be framed, and runs only its own inline script and style. */
class IndexServletTest {

    @Test
    void thePolicyAllowsThePagesOwnScriptAndStyleByHashAndNoFraming() throws Exception {
        // given the page the servlet serves
        String html;
        try (InputStream in = IndexServlet.class.getResourceAsStream("index.html")) {
            html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // when
        String policy = IndexServlet.policy(html);
        // then its one script and one style are allowed by hash, nothing inline otherwise
        Matcher script = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL).matcher(html);
        Matcher style = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL).matcher(html);
        assertTrue(script.find() && style.find(), "the page has an inline script and style");
        assertTrue(policy.contains("script-src 'self' 'sha256-" + sha256(script.group(1)) + "';"), policy);
        assertTrue(policy.contains("style-src 'self' 'sha256-" + sha256(style.group(1)) + "';"), policy);
        assertFalse(policy.contains("unsafe"), policy);
        assertTrue(policy.endsWith("frame-ancestors 'none'"), policy);
        assertEquals(1, policy.split("default-src 'none'", -1).length - 1, policy);
    }

    static String sha256(String s) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
