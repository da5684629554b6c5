package io.orchion.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The rules for environment names, label values and UTF-8 that every front end shares. */
class ValidationTest {

    @Test
    void anEnvironmentNameHasNoEqualsSignNulOrControls() {
        for (String good : new String[] { "PATH", "_X", "my.var", "LC_ALL", "a-b", "x".repeat(256) }) {
            assertEquals(good, Validation.envName("process.env", good));
        }
        for (String bad : new String[] { "", "A=B", "=A", "A\0B", "A\nB", "x".repeat(257), "\ud800" }) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> Validation.envName("docker.env", bad), () -> "'" + bad + "' was taken as a name");
            assertEquals("docker.env", e.field());
            assertTrue(e.getMessage().contains("no '='"), e.getMessage());
        }
    }

    @Test
    void anArgumentOrEnvironmentValueHasNoNul() {
        assertEquals("a b=c", Validation.execText("process.args[0]", "a b=c"));
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> Validation.execText("process.args[2]", "a\0b"));
        assertEquals("process.args[2]", e.field());
        assertTrue(e.getMessage().contains("NUL"), e.getMessage());
    }

    @Test
    void aLabelValueWithAReplacementCharacterOrHalfASurrogatePairIsRefused() {
        assertEquals("Zürich 🚀", Validation.labelValue("labels.city", "Zürich 🚀"));
        InvalidArgumentException replaced = assertThrows(InvalidArgumentException.class,
                () -> Validation.labels("labels", Map.of("team", "ml\uFFFD")));
        assertEquals("labels.team", replaced.field());
        assertTrue(replaced.getMessage().contains("U+FFFD"), replaced.getMessage());
        for (String half : new String[] { "a\ud800", "\udc00b", "\ud800\ud800" }) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> Validation.labelValue("labels.team", half));
            assertEquals("labels.team", e.field());
            assertTrue(e.getMessage().contains("unpaired surrogate"), e.getMessage());
            assertFalse(e.getMessage().chars().anyMatch(c -> Character.isSurrogate((char) c)), "the message echoes the bad char");
        }
    }

    @Test
    void utf8IsDecodedStrictlyAndAMalformedByteIsLocated() {
        assertEquals("name: café 🚀\n", Validation.utf8("body", "name: café 🚀\n".getBytes(StandardCharsets.UTF_8)));
        byte[] text = "name: x\nlabels: {team: \"ml?\"}\n".getBytes(StandardCharsets.US_ASCII);
        text[27] = (byte) 0xff; // the '?'
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> Validation.utf8("body", text));
        assertEquals("body", e.field());
        assertTrue(e.getMessage().contains("not valid UTF-8") && e.getMessage().contains("byte 27")
                && e.getMessage().contains("line 2"), e.getMessage());
        // a sequence cut off at the end, and an encoded surrogate (CESU-8), are not UTF-8 either
        for (byte[] bad : new byte[][] { { 'a', (byte) 0xc3 }, { (byte) 0xed, (byte) 0xa0, (byte) 0x80 } }) {
            assertThrows(InvalidArgumentException.class, () -> Validation.utf8("body", bad));
        }
    }
}
