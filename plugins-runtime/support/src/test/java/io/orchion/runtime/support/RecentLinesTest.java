package io.orchion.runtime.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.orchion.api.runtime.LogSink;

class RecentLinesTest {

    @Test
    void keepsOnlyTheNewestLinesOldestFirst() {
        // given room for three lines
        RecentLines recent = new RecentLines(3);
        assertEquals("", recent.text());
        // when five come
        for (int i = 1; i <= 5; i++) {
            recent.add("line " + i);
        }
        // then the last three are kept
        assertEquals("line 3\nline 4\nline 5", recent.text());
    }

    @Test
    void aRecordingSinkKeepsLinesAndHandsEverythingOn() {
        // given a sink that records what reaches it
        List<String> seen = new ArrayList<>();
        LogSink logs = new LogSink() {
            @Override
            public void line(String stream, String text) {
                seen.add(stream + ":" + text);
            }

            @Override
            public void status(String message) {
                seen.add("status:" + message);
            }

            @Override
            public void progress(String activity, long done, long total) {
                seen.add("progress:" + activity + " " + done + "/" + total);
            }
        };
        RecentLines recent = new RecentLines(2);
        LogSink recording = recent.recording(logs);
        // when a run writes through it
        recording.line("stdout", "loading");
        recording.status("pulling");
        recording.progress("pull x", 1, 2);
        recording.line("stderr", "CUDA out of memory");
        // then every call went on, and the lines are kept
        assertEquals(List.of("stdout:loading", "status:pulling", "progress:pull x 1/2", "stderr:CUDA out of memory"),
                seen);
        assertEquals("loading\nCUDA out of memory", recent.text());
    }
}
