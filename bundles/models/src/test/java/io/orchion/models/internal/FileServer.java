package io.orchion.models.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP file server on loopback for the cache's tests, with the faults a download meets:
 * it honours {@code Range} (or ignores it), can break the connection or stall after some bytes,
 * can leave out the length, and redirects where asked.
 */
final class FileServer implements AutoCloseable {
    /** What to do with the next requests. */
    static final class Faults {
        volatile boolean ignoreRange;
        volatile boolean noLength;
        /** Break the connection after this many body bytes on the next request (then reset to -1). */
        volatile long breakAfter = -1;
        /** Stop sending (but keep the connection) after this many body bytes on every request; -1 never. */
        volatile long stallAfter = -1;
        /** Pause this long between 64 KiB chunks. */
        volatile long trickleMillis;
    }

    final Faults faults = new Faults();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger bodies = new AtomicInteger();
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<String, String> redirects = new ConcurrentHashMap<>();
    private final HttpServer server;

    FileServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-file-server");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    void put(String path, byte[] content) {
        files.put(path, content);
    }

    void redirect(String from, String to) {
        redirects.put(from, to);
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getRawPath();
        String range = x.getRequestHeaders().getFirst("Range");
        requests.add(x.getRequestMethod() + " " + path + (range == null ? "" : " " + range));
        try (x) {
            if (redirects.containsKey(path)) {
                x.getResponseHeaders().add("Location", redirects.get(path));
                x.sendResponseHeaders(302, -1);
                return;
            }
            byte[] body = files.get(path);
            if (body == null) {
                x.sendResponseHeaders(404, -1);
                return;
            }
            int from = 0;
            int status = 200;
            if (range != null && !faults.ignoreRange && range.startsWith("bytes=") && range.endsWith("-")) {
                from = Integer.parseInt(range.substring(6, range.length() - 1));
                if (from >= body.length) {
                    x.getResponseHeaders().add("Content-Range", "bytes */" + body.length);
                    x.sendResponseHeaders(416, -1);
                    return;
                }
                status = 206;
                x.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            }
            x.sendResponseHeaders(status, faults.noLength ? 0 : body.length - from);
            bodies.incrementAndGet();
            long breakAfter = faults.breakAfter;
            faults.breakAfter = -1;
            OutputStream out = x.getResponseBody();
            long sent = 0;
            for (int at = from; at < body.length;) {
                int n = Math.min(64 * 1024, body.length - at);
                if (breakAfter >= 0 && sent + n > breakAfter) {
                    n = (int) (breakAfter - sent);
                    out.write(body, at, n);
                    out.flush();
                    throw new IOException("breaking the connection as asked"); // the exchange is aborted
                }
                if (faults.stallAfter >= 0 && sent + n > faults.stallAfter) {
                    n = (int) (faults.stallAfter - sent);
                    out.write(body, at, n);
                    out.flush();
                    Thread.sleep(60_000);
                    return;
                }
                out.write(body, at, n);
                out.flush();
                at += n;
                sent += n;
                if (faults.trickleMillis > 0) {
                    Thread.sleep(faults.trickleMillis);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
