package io.orchion.rest.internal;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.InvalidProtocolBufferException;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobListener;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeListener;
import io.orchion.api.scheduler.SchedulerAdmin;
import io.orchion.api.security.Principal;
import io.orchion.proto.convert.JobMapping;
import io.orchion.proto.convert.NodeMapping;
import io.orchion.proto.v1.JobChange;
import io.orchion.proto.v1.NodeChange;
import io.orchion.proto.v1.SchedulerStatus;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /api/events}: node, job and scheduler changes as server-sent events. Every event gets
 * the next id of this process; the last {@value #RING} are kept so a client that reconnects with
 * {@code Last-Event-ID} (or {@code ?lastEventId=}) gets what it missed, or an {@code event: reset}
 * when that cannot be done. Ids start from the clock at activation, so an id from an earlier
 * process is recognised. A client whose queue of {@value #QUEUE} frames fills is dropped.
 */
@Component(service = { Servlet.class, NodeListener.class, JobListener.class }, configurationPid = Cors.PID)
@HttpWhiteboardServletPattern("/api/events")
@HttpWhiteboardServletName("orchion-events")
@HttpWhiteboardServletAsyncSupported
public class EventsServlet extends HttpServlet implements NodeListener, JobListener {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EventsServlet.class);
    static final int RING = 4096;
    static final int QUEUE = 1024;
    static final long KEEP_ALIVE_S = 15;

    record Event(long id, String frame) {
    }

    private final transient ArrayDeque<Event> ring = new ArrayDeque<>();
    private final transient Set<SseStream> clients = new CopyOnWriteArraySet<>();
    private final transient ScheduledExecutorService timer;
    /** The id before this process' first event. */
    private final long base;
    private long last;
    private transient volatile Cors cors;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile SchedulerAdmin scheduler;
    private transient volatile SchedulerStatus lastStatus;

    @Activate
    public EventsServlet(RestConfig config) {
        this.cors = new Cors(config.cors_origins());
        this.base = System.currentTimeMillis() * 1000;
        this.last = base;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "orchion-events");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::keepAlive, KEEP_ALIVE_S, KEEP_ALIVE_S, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(this::watchScheduler, 1, 1, TimeUnit.SECONDS);
    }

    @Modified
    void modified(RestConfig config) {
        this.cors = new Cors(config.cors_origins());
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        clients.forEach(SseStream::close);
    }

    @Override
    public void nodeChanged(Change change, Node node) {
        try {
            publish("node", Json.print(NodeChange.newBuilder().setChange(change.name()).setNode(NodeMapping.toProto(node))));
        } catch (RuntimeException | InvalidProtocolBufferException e) {
            LOG.warn("events: node change not published: {}", e.toString());
        }
    }

    @Override
    public void jobChanged(Job job) {
        try {
            // printed once for every subscriber, whatever their role: env values redacted
            publish("job", Json.print(JobChange.newBuilder().setJob(JobMapping.toProto(job, false))));
        } catch (RuntimeException | InvalidProtocolBufferException e) {
            LOG.warn("events: job change not published: {}", e.toString());
        }
    }

    /** The scheduler has no listener: its status is compared each second, and a switch published. */
    private void watchScheduler() {
        try {
            SchedulerAdmin admin = scheduler;
            if (admin == null) {
                return;
            }
            SchedulerStatus now = ApiServlet.status(admin.status());
            SchedulerStatus before = lastStatus;
            lastStatus = now;
            if (before != null && (!before.getActive().equals(now.getActive())
                    || !before.getConfigured().equals(now.getConfigured())
                    || before.getSinceUnixMs() != now.getSinceUnixMs())) {
                publish("scheduler", Json.print(now));
            }
        } catch (RuntimeException | InvalidProtocolBufferException e) {
            LOG.debug("events: scheduler status: {}", e.toString());
        }
    }

    /** Assigns the next id, keeps the event in the ring and offers it to every client. */
    void publish(String type, String data) {
        synchronized (ring) {
            long id = ++last;
            String frame = SseStream.frame(id, type, data);
            if (ring.size() >= RING) {
                ring.removeFirst();
            }
            ring.addLast(new Event(id, frame));
            for (SseStream c : clients) {
                c.offer(frame);
            }
        }
    }

    private void keepAlive() {
        for (SseStream c : clients) {
            c.offer(": keep-alive\n\n");
        }
    }

    int clients() {
        return clients.size();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        // only what AuthFilter matched to this route and authorised, or a preflight it let through
        Routes.Match match = req.getAttribute(AuthFilter.MATCH) instanceof Routes.Match m ? m : null;
        boolean preflight = match != null && "OPTIONS".equals(req.getMethod());
        boolean authorised = match != null && match.route() != null && match.route().path().equals("/api/events")
                && req.getAttribute(AuthFilter.PRINCIPAL) instanceof Principal;
        if (!preflight && !authorised) {
            Json.problem(resp, 403, "this request was not authorised by the API's filter");
            return;
        }
        if (!cors.apply(req, resp)) {
            Json.problem(resp, 403, "origin " + req.getHeader("Origin") + " may not call this API");
            return;
        }
        if ("OPTIONS".equals(req.getMethod())) {
            resp.setHeader("Allow", "GET, OPTIONS");
            resp.setStatus(204);
            return;
        }
        if (!"GET".equals(req.getMethod())) {
            resp.setHeader("Allow", "GET, OPTIONS");
            Json.problem(resp, 405, req.getMethod() + " is not allowed on /api/events (allowed: GET, OPTIONS)");
            return;
        }
        String lastId = req.getHeader("Last-Event-ID");
        if (lastId == null || lastId.isBlank()) {
            lastId = req.getParameter("lastEventId");
        }
        Long resume = null;
        if (lastId != null && !lastId.isBlank()) {
            try {
                resume = Long.parseLong(lastId.trim());
            } catch (NumberFormatException e) {
                resume = -1L; // not ours: the client reloads
            }
        }
        synchronized (ring) {
            long current = last;
            StringBuilder first = new StringBuilder();
            List<Event> replay = List.of();
            if (resume == null) {
                first.append("id: ").append(current).append("\n\n");
            } else {
                long oldest = ring.isEmpty() ? current + 1 : ring.peekFirst().id();
                if (resume < base || resume > current || resume < oldest - 1) {
                    first.append(SseStream.frame(current, "reset", "{}"));
                } else {
                    final long from = resume;
                    replay = ring.stream().filter(e -> e.id() > from).toList();
                }
            }
            SseStream s = SseStream.open(req, resp, QUEUE + replay.size(), new SseStream.Listener() {
                @Override
                public void closed(SseStream stream) {
                    clients.remove(stream);
                }
            }, first.toString());
            for (Event e : replay) {
                s.offer(e.frame());
            }
            if (!s.isClosed()) {
                clients.add(s);
            }
        }
    }
}
