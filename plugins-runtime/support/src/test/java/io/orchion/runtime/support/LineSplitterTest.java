package io.orchion.runtime.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class LineSplitterTest {
    final List<String> lines = new ArrayList<>();

    @Test
    void piecesNotAlignedToLinesBecomeWholeLines() {
        // given output that arrives in pieces cut anywhere, with Windows line ends
        LineSplitter s = new LineSplitter(lines::add);
        byte[] b = "first li".getBytes(StandardCharsets.UTF_8);
        s.write(b, 0, b.length);
        s.write("ne\r\nsecond\n\nthi");
        // then each complete line is handed on once, without its \r, the empty one too
        assertEquals(List.of("first line", "second", ""), lines);
        assertTrue(s.pending());
        // and the rest comes when the output ends
        s.flush();
        assertEquals(List.of("first line", "second", "", "thi"), lines);
        assertFalse(s.pending());
        s.flush();
        assertEquals(4, lines.size());
    }

    @Test
    void aLineLongerThanTheLimitIsHandedOnInPieces() {
        // given a limit of 4 bytes
        LineSplitter s = new LineSplitter(4, lines::add);
        // when a line of 10 bytes comes
        s.write("abcdefghij\nxy\n");
        // then it comes in pieces of 4, and the short one whole
        assertEquals(List.of("abcd", "efgh", "ij", "xy"), lines);
    }

    @Test
    void multiByteCharactersSplitAcrossWritesStayWhole() {
        // given a line whose é is cut between two reads
        byte[] b = "café\n".getBytes(StandardCharsets.UTF_8);
        LineSplitter s = new LineSplitter(lines::add);
        s.write(b, 0, 4);
        s.write(b, 4, b.length - 4);
        assertEquals(List.of("café"), lines);
    }

    @Test
    void aLimitBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LineSplitter(0, lines::add));
        assertEquals("maxLine must be at least 1, not 0", e.getMessage());
    }
}
