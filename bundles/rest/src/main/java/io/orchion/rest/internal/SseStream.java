package io.orchion.rest.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * One server-sent-events response written with non-blocking servlet IO: frames wait in a bounded
 * queue and go out as the client reads them, so a slow client never blocks the thread that
 * offers a frame. A client whose queue fills is dropped (it reconnects with Last-Event-ID and
 * resumes); memory per client stays bounded by the queue.
 */
final class SseStream implements WriteListener, AsyncListener {
    /** Told when the stream has closed, and when its queue has emptied (for pull-based sources). */
    interface Listener {
        default void drained(SseStream s) {
        }

        default void closed(SseStream s) {
        }
    }

    private final AsyncContext async;
    private final ServletOutputStream out;
    private final int capacity;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private final Listener listener;
    private boolean closed;
    private boolean closeWhenDrained;
    private boolean unflushed;

    SseStream(AsyncContext async, ServletOutputStream out, int capacity, Listener listener) {
        this.async = async;
        this.out = out;
        this.capacity = capacity;
        this.listener = listener;
    }

    /** Starts the event stream on this request: headers sent, then {@code retry} and any first frame. */
    static SseStream open(HttpServletRequest req, HttpServletResponse resp, int capacity, Listener listener,
            String first) throws IOException {
        resp.setStatus(200);
        resp.setContentType("text/event-stream");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-cache");
        resp.setHeader("X-Accel-Buffering", "no");
        AsyncContext async = req.startAsync();
        async.setTimeout(0);
        SseStream s = new SseStream(async, resp.getOutputStream(), capacity, listener);
        async.addListener(s);
        synchronized (s) {
            s.queue.add(("retry: 2000\n" + first).getBytes(StandardCharsets.UTF_8));
        }
        s.out.setWriteListener(s);
        return s;
    }

    /** An event frame: {@code id}, {@code event} and one {@code data} line (JSON has no newlines here). */
    static String frame(long id, String event, String data) {
        return "id: " + id + "\nevent: " + event + "\ndata: " + data + "\n\n";
    }

    /** Queues a frame; false if the stream is closed or was just dropped for being full. */
    boolean offer(String frame) {
        synchronized (this) {
            if (closed || closeWhenDrained) {
                return false;
            }
            if (queue.size() >= capacity) {
                queue.clear();
                closeQuietly();
                return false;
            }
            queue.add(frame.getBytes(StandardCharsets.UTF_8));
        }
        pump();
        return true;
    }

    /** Sends what is queued, then ends the response. */
    void finish() {
        synchronized (this) {
            closeWhenDrained = true;
        }
        pump();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized int queued() {
        return queue.size();
    }

    private void pump() {
        boolean drained = false;
        synchronized (this) {
            if (closed) {
                return;
            }
            try {
                while (out.isReady()) {
                    byte[] next = queue.poll();
                    if (next != null) {
                        out.write(next);
                        unflushed = true;
                    } else if (unflushed) {
                        unflushed = false;
                        out.flush();
                    } else {
                        if (closeWhenDrained) {
                            closeQuietly();
                            return;
                        }
                        drained = true;
                        break;
                    }
                }
            } catch (IOException | IllegalStateException e) {
                closeQuietly();
                return;
            }
        }
        if (drained) {
            listener.drained(this);
        }
    }

    private void closeQuietly() {
        boolean was;
        synchronized (this) {
            was = closed;
            closed = true;
            queue.clear();
        }
        if (!was) {
            try {
                async.complete();
            } catch (IllegalStateException e) {
                // already completed by the container (the client went away)
            }
            listener.closed(this);
        }
    }

    void close() {
        closeQuietly();
    }

    @Override
    public void onWritePossible() {
        pump();
    }

    @Override
    public void onError(Throwable t) {
        closeQuietly();
    }

    @Override
    public void onComplete(AsyncEvent event) {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        closeQuietly();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        closeQuietly();
    }

    @Override
    public void onError(AsyncEvent event) {
        closeQuietly();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not restarted
    }
}
