package io.orchion.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.orchion.proto.v1.AgentMessage;
import io.orchion.proto.v1.LogEntry;
import io.orchion.proto.v1.RunUpdate;

/** The agent's ordered, acknowledged and bounded outbox, driven the way the connection drives it. */
class OutboxTest {
    final List<String> done = new ArrayList<>();
    final List<AgentMessage> sent = new ArrayList<>();

    static AgentMessage update(String run, String state) {
        return AgentMessage.newBuilder().setRunUpdate(RunUpdate.newBuilder().setJobId("j").setRunId(run).setState(state))
                .build();
    }

    /** What was sent, as "run:seq:text" for lines and "run:STATE" for updates. */
    List<String> flat() {
        List<String> out = new ArrayList<>();
        for (AgentMessage m : sent) {
            if (m.hasLogs()) {
                for (LogEntry e : m.getLogs().getEntriesList()) {
                    out.add(m.getLogs().getRunId() + ":" + e.getSeq() + ":" + e.getText());
                }
            } else {
                out.add(m.getRunUpdate().getRunId() + ":" + m.getRunUpdate().getState());
            }
        }
        return out;
    }

    @Test
    void linesAndUpdatesGoInOrderAndAnExitComesAfterTheRunsLastLine() {
        Outbox box = new Outbox(1 << 20, done::add);
        box.connected();
        box.update(update("r1", "RUNNING"));
        box.line("j", "r1", "stdout", "a");
        box.line("j", "r2", "stdout", "x");
        box.line("j", "r1", "stdout", "b");
        box.update(update("r1", "EXITED"));
        box.finished("r1");
        box.drain(() -> true, sent::add);
        assertEquals(List.of("r1:RUNNING", "r1:1:a", "r2:1:x", "r1:2:b", "r1:EXITED"), flat());
        // the run is forgotten only once the orchestrator has every line of it
        assertTrue(done.isEmpty());
        box.ack("r1", 2);
        assertEquals(List.of("r1"), done);
    }

    @Test
    void unacknowledgedLinesAreSentAgainFirstAfterAReconnect() {
        Outbox box = new Outbox(1 << 20, done::add);
        box.connected();
        box.line("j", "r1", "stdout", "a");
        box.line("j", "r1", "stdout", "b");
        box.drain(() -> true, sent::add);
        box.ack("r1", 1);
        // the stream breaks: b was sent but never acknowledged; c is written meanwhile
        box.disconnected();
        box.line("j", "r1", "stdout", "c");
        box.drain(() -> false, sent::add);
        sent.clear();
        box.connected();
        box.drain(() -> true, sent::add);
        assertEquals(List.of("r1:2:b", "r1:3:c"), flat());
    }

    @Test
    void whileCutOffAFullBufferDropsNewLinesAndSaysHowMany() {
        Outbox box = new Outbox(200, done::add); // room for a few lines only
        box.disconnected();
        for (int i = 0; i < 10; i++) {
            box.line("j", "r1", "stdout", "line " + i);
        }
        long kept = box.bufferedBytes();
        assertTrue(kept <= 200, "bounded: " + kept);
        assertTrue(box.droppedLines() > 0);
        box.connected();
        box.drain(() -> true, sent::add);
        List<String> first = flat();
        box.ack("r1", first.size());
        box.line("j", "r1", "stdout", "after");
        box.drain(() -> true, sent::add);
        List<String> all = flat();
        assertTrue(all.stream().anyMatch(l -> l.contains("lines dropped")), all.toString());
        assertTrue(all.get(all.size() - 1).endsWith(":after"), all.toString());
    }

    @Test
    void theTransportNotReadyStopsSendingWithoutLosingAnything() {
        Outbox box = new Outbox(1 << 20, done::add);
        box.connected();
        for (int i = 0; i < Outbox.BATCH_LINES + 10; i++) {
            box.line("j", "r1", "stdout", "l" + i);
        }
        int[] budget = { 1 };
        box.drain(() -> budget[0]-- > 0, sent::add);
        assertEquals(Outbox.BATCH_LINES, flat().size(), "one batch, then the transport is busy");
        box.drain(() -> true, sent::add);
        assertEquals(Outbox.BATCH_LINES + 10, flat().size());
        assertEquals("r1:" + (Outbox.BATCH_LINES + 10) + ":l" + (Outbox.BATCH_LINES + 9), flat().get(flat().size() - 1));
    }
}
