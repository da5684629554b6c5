package io.orchion.runtime.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.orchion.api.runtime.LogSink;

class PullProgressTest {
    final List<String> reports = new ArrayList<>();
    final LogSink logs = new LogSink() {
        @Override
        public void line(String stream, String text) {
        }

        @Override
        public void progress(String activity, long done, long total) {
            reports.add(activity + " " + done + "/" + total);
        }
    };

    @Test
    void theJobSeesTheSumOverTheLayers() {
        // given a pull that reports every change
        PullProgress pull = new PullProgress("pull x", logs, Duration.ZERO);
        // when two layers make progress
        pull.layer("a", 10, 100);
        pull.layer("b", 0, 50);
        pull.layer("a", 100, 100);
        pull.finished();
        // then each report is the sum so far, and the end is all of it
        assertEquals(List.of("pull x 10/100", "pull x 10/150", "pull x 100/150", "pull x 150/150"), reports);
        assertEquals(150, pull.totalBytes());
    }

    @Test
    void aChattyPullIsReportedSparinglyButEveryCompletedLayerIs() {
        // given a pull reported at most once an hour
        PullProgress pull = new PullProgress("pull x", logs, Duration.ofHours(1));
        // when a layer reports often, then completes
        for (int i = 1; i <= 9; i++) {
            pull.layer("a", i, 10);
        }
        pull.layer("a", 10, 10);
        // then the first report and the completion are shown, nothing between
        assertEquals(List.of("pull x 1/10", "pull x 10/10"), reports);
    }
}
