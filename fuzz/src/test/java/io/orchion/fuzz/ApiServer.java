package io.orchion.fuzz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Jetty 12 with the servlet container (the line Felix HTTP embeds) serving {@code /api/*}. Requests
 * go through Jetty's {@link LocalConnector}: the same HTTP/1.1 parser and connection handling as a
 * socket connector, with raw bytes in and out and no TCP, so malformed requests reach Jetty as they
 * are, thousands of inputs leave no sockets in TIME_WAIT, and no network code runs under Jazzer.
 */
final class ApiServer implements AutoCloseable {
    /** The longest an answer may take before the input counts as a hang. */
    static final long ANSWER_MS = Long.getLong("fuzz.request.timeout.ms", 5_000);

    private final Server server = new Server();
    private final LocalConnector connector = new LocalConnector(server);
    private final Swappable api = new Swappable();
    final Escapes escapes = new Escapes();

    ApiServer() throws Exception {
        connector.setIdleTimeout(ANSWER_MS * 2);
        server.addConnector(connector);
        // the error handler the rest bundle gives Felix HTTP's server: Jetty's own errors as problems
        server.setErrorHandler(new io.orchion.rest.internal.ProblemErrorHandler());
        server.setHandler(context(api, escapes));
        server.start();
    }

    /**
     * The context the API is served in, as the Felix HTTP whiteboard serves it: filters that guard
     * {@code /api/*} (the coming auth filter) go here, after the escape recorder.
     */
    static ServletContextHandler context(Servlet api, Escapes escapes) {
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
        context.setContextPath("/");
        FilterHolder recorder = new FilterHolder(escapes);
        recorder.setAsyncSupported(true);
        context.addFilter(recorder, "/*", java.util.EnumSet.allOf(DispatcherType.class));
        // the real auth filter, as the whiteboard puts it in front of /api/*
        FilterHolder auth = new FilterHolder(Auth.FILTER);
        auth.setAsyncSupported(true);
        context.addFilter(auth, "/api/*", java.util.EnumSet.of(DispatcherType.REQUEST));
        ServletHolder holder = new ServletHolder("orchion-api", api);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/api/*");
        return context;
    }

    /**
     * The REST bundle's AuthFilter over the security bundle's real token store and audit log in a
     * fresh folder under target/, with tokens of each role for the fuzzer to send. The rate limit
     * is lifted (the fuzzer is one client sending hundreds of requests a second).
     */
    static final class Auth {
        static final String ADMIN;
        static final String OPERATOR;
        static final String VIEWER;
        static final io.orchion.rest.internal.AuthFilter FILTER;
        static final io.orchion.security.internal.AuditComponent AUDIT;

        static {
            try {
                java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of(
                        System.getProperty("fuzz.data", "target/fuzz-data")).toAbsolutePath());
                dir = java.nio.file.Files.createTempDirectory(dir, "auth");
                org.osgi.framework.BundleContext ctx = OsgiStandIns.bundleContext(
                        java.util.Map.of("orchion.data", dir.toString()), new java.util.ArrayList<>());
                var tokens = new io.orchion.security.internal.TokensComponent(ctx);
                ADMIN = tokens.create("fuzz-admin", io.orchion.api.security.Role.ADMIN, null).token();
                OPERATOR = tokens.create("fuzz-operator", io.orchion.api.security.Role.OPERATOR, null).token();
                VIEWER = tokens.create("fuzz-viewer", io.orchion.api.security.Role.VIEWER, null).token();
                var limits = (io.orchion.rest.internal.AuthFilter.Config) OsgiStandIns.config(
                        io.orchion.rest.internal.AuthFilter.Config.class, java.util.Map.of("requests_per_second", 1e9));
                FILTER = new io.orchion.rest.internal.AuthFilter(tokens, limits);
                AUDIT = new io.orchion.security.internal.AuditComponent(ctx,
                        (io.orchion.security.internal.AuditComponent.Config) OsgiStandIns
                                .config(io.orchion.security.internal.AuditComponent.Config.class));
                OsgiStandIns.inject(FILTER, "audit", AUDIT);
            } catch (Exception e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private Auth() {
        }
    }

    /** Serves the next requests with {@code servlet}. */
    void serve(Servlet servlet) {
        api.current = servlet;
    }

    /** An answer, or what came back before it stopped. */
    record Answer(boolean complete, boolean closed, String raw) {
    }

    /**
     * Sends one raw request and waits for the connection to close (the request says Connection:
     * close); with {@code halfClose} the client then shuts its side, as one that gave up sending.
     *
     * <p>Input is handed to Jetty's threads ({@code addInputAndExecute}), as a socket's selector
     * does. The plain {@code addInput} runs Jetty's read path, and with it the servlet, in the
     * caller's thread: a servlet waiting for the rest of a body then held this thread, so the
     * half-close that would end its wait could never be sent (the request looked like a hang and
     * ended in Jetty's idle timeout), and the half-close raced Jetty's own reading of the request
     * from a second thread, which Jetty's HTTP/1.1 connection does not expect (it released a
     * request buffer twice, an exception that came out of {@code addInput}).
     */
    Answer exchange(byte[] request, boolean halfClose) throws InterruptedException {
        escapes.reset();
        LocalConnector.LocalEndPoint endpoint = connector.connect();
        endpoint.addInputAndExecute(ByteBuffer.wrap(request));
        if (halfClose) {
            endpoint.addInputAndExecute((ByteBuffer) null); // the end of input
        }
        StringBuilder out = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_MS);
        try {
            while (System.nanoTime() < deadline) {
                ByteBuffer chunk = endpoint.waitForOutput(20, TimeUnit.MILLISECONDS);
                if (chunk != null) {
                    out.append(StandardCharsets.ISO_8859_1.decode(chunk));
                }
                if (!endpoint.isOpen()) {
                    out.append(endpoint.takeOutputString(StandardCharsets.ISO_8859_1));
                    return new Answer(true, true, out.toString());
                }
                if (isEventStream(out)) {
                    // a log follow: an answer that goes on while the job runs; its start is what is checked
                    return new Answer(true, false, out.toString());
                }
            }
            return new Answer(false, endpoint.isOpen(), out.toString());
        } finally {
            endpoint.close();
        }
    }

    private static boolean isEventStream(CharSequence out) {
        String s = out.toString();
        int end = s.indexOf("\r\n\r\n");
        return end > 0 && s.substring(0, end).toLowerCase(java.util.Locale.ROOT).contains("content-type: text/event-stream");
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** Forwards to the servlet of the current input. */
    static final class Swappable extends HttpServlet {
        private static final long serialVersionUID = 1L;
        transient volatile Servlet current;

        @Override
        public void service(ServletRequest req, ServletResponse resp) throws ServletException, IOException {
            current.service(req, resp);
        }
    }

    /**
     * Records whether a request reached the API, the path as the container read it (decoded and
     * normalised: what the servlet routed on before the route table, and what an attacker's
     * spelling aims at), and what escaped; lets the escape go on to Jetty.
     */
    static final class Escapes implements Filter {
        final AtomicBoolean reached = new AtomicBoolean();
        final AtomicReference<Throwable> escaped = new AtomicReference<>();
        /** The container's reading of the path; "" when it could not read one (an ambiguous URI). */
        final AtomicReference<String> containerPath = new AtomicReference<>("");

        void reset() {
            reached.set(false);
            escaped.set(null);
            containerPath.set("");
        }

        @Override
        public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain)
                throws IOException, ServletException {
            // the API's paths: /api and below (/apis is not one; the context around answers that)
            if (req instanceof HttpServletRequest r && (r.getRequestURI().equals("/api")
                    || r.getRequestURI().startsWith("/api/")) && resp instanceof HttpServletResponse) {
                reached.set(true);
                try {
                    containerPath.set(r.getServletPath() + (r.getPathInfo() == null ? "" : r.getPathInfo()));
                } catch (RuntimeException ambiguous) {
                    containerPath.set("");
                }
            }
            try {
                chain.doFilter(req, resp);
            } catch (IOException | ServletException | RuntimeException | Error e) {
                escaped.compareAndSet(null, e);
                throw e;
            }
        }
    }
}
