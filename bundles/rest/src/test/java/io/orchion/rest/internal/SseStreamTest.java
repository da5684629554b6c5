package io.orchion.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;

/**
 * The per-client queue of the event stream: a client that stops reading is dropped once its
 * queue is full, without the publisher ever waiting, and a reading client gets every frame.
 */
class SseStreamTest {
    /** An output whose client reads only while {@code reading} is set, as a socket would. */
    static final class Output extends ServletOutputStream {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        volatile boolean reading = true;
        WriteListener listener;

        @Override
        public boolean isReady() {
            return reading;
        }

        @Override
        public void setWriteListener(WriteListener l) {
            listener = l;
        }

        @Override
        public void write(int b) {
            got.write(b);
        }

        String text() {
            return got.toString(StandardCharsets.UTF_8);
        }
    }

    static final class Async implements AsyncContext {
        final AtomicBoolean completed = new AtomicBoolean();

        @Override
        public ServletRequest getRequest() {
            return null;
        }

        @Override
        public ServletResponse getResponse() {
            return null;
        }

        @Override
        public boolean hasOriginalRequestAndResponse() {
            return true;
        }

        @Override
        public void dispatch() {
        }

        @Override
        public void dispatch(String path) {
        }

        @Override
        public void dispatch(ServletContext context, String path) {
        }

        @Override
        public void complete() {
            completed.set(true);
        }

        @Override
        public void start(Runnable run) {
            run.run();
        }

        @Override
        public void addListener(AsyncListener listener) {
        }

        @Override
        public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
        }

        @Override
        public <T extends AsyncListener> T createListener(Class<T> clazz) {
            return null;
        }

        @Override
        public void setTimeout(long timeout) {
        }

        @Override
        public long getTimeout() {
            return 0;
        }
    }

    @Test
    void aClientThatStopsReadingIsDroppedWhenItsQueueIsFullAndThePublisherNeverWaits() {
        Output out = new Output();
        Async async = new Async();
        AtomicInteger closed = new AtomicInteger();
        SseStream s = new SseStream(async, out, 100, new SseStream.Listener() {
            @Override
            public void closed(SseStream stream) {
                closed.incrementAndGet();
            }
        });
        assertTrue(s.offer(SseStream.frame(1, "node", "{}")));
        assertTrue(out.text().contains("id: 1\nevent: node\ndata: {}\n\n"));
        out.reading = false; // the client stalls
        int accepted = 0;
        for (int i = 2; i < 100_000; i++) {
            if (!s.offer(SseStream.frame(i, "node", "{\"n\":" + i + "}"))) {
                break;
            }
            accepted++;
        }
        assertEquals(100, accepted, "the queue holds its capacity, no more");
        assertTrue(s.isClosed());
        assertTrue(async.completed.get(), "the response is ended: the client reconnects and resumes");
        assertEquals(0, s.queued(), "nothing is held for a dropped client");
        assertEquals(1, closed.get());
        assertFalse(s.offer(SseStream.frame(100_001, "node", "{}")));
    }

    @Test
    void aClientThatReadsLateGetsEveryFrameInOrder() throws Exception {
        Output out = new Output();
        SseStream s = new SseStream(new Async(), out, 100, new SseStream.Listener() {
        });
        out.reading = false;
        for (int i = 1; i <= 50; i++) {
            assertTrue(s.offer(SseStream.frame(i, "job", "{}")));
        }
        assertEquals(50, s.queued());
        out.reading = true;
        s.onWritePossible(); // the container says the client reads again
        assertEquals(0, s.queued());
        String text = out.text();
        int at = -1;
        for (int i = 1; i <= 50; i++) {
            int next = text.indexOf("id: " + i + "\n");
            assertTrue(next > at, "frame " + i + " in order");
            at = next;
        }
    }
}
