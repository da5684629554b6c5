package io.orchion.fuzz;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.BundleContext;

import io.orchion.api.Orchion;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobSpecParser;
import io.orchion.api.job.JobState;
import io.orchion.api.log.LogLine;
import io.orchion.api.node.Capabilities;
import io.orchion.api.node.NodeListener;
import io.orchion.api.node.NodeRegistration;
import io.orchion.api.scheduler.SchedulingStrategy;
import io.orchion.jobs.internal.SchemaJobSpecParser;
import io.orchion.logs.internal.LogsComponent;
import io.orchion.registry.internal.RegistryComponent;
import io.orchion.rest.internal.ApiServlet;
import io.orchion.scheduler.internal.SchedulerComponent;
import io.orchion.scheduler.roundrobin.internal.RoundRobinStrategy;

/**
 * What {@code /api/*} runs against, made afresh for every input so that each input is replayed
 * alone and gives the same answer: the real registry, scheduler (with the round-robin strategy),
 * job spec parser and job logs, over in-memory stores holding two nodes and three jobs (pending,
 * running, succeeded). The wiring is done by hand where Declarative Services would do it.
 */
final class ApiWorld implements AutoCloseable {
    static final JobSpecParser PARSER = new SchemaJobSpecParser();
    static final List<String> NODE_IDS = List.of("n1", "n2");
    static final List<String> NODE_NAMES = List.of("alpha", "beta");
    static final List<String> JOB_IDS = List.of("hello-00000001", "llama-00000002", "web-00000003");
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Path DATA = Path.of(System.getProperty("fuzz.data", "target/fuzz-data")).toAbsolutePath();
    /** The components log every join and submission at INFO: quiet, or logging is most of the work. */
    private static final List<java.util.logging.Logger> QUIET = List.of(java.util.logging.Logger.getLogger("io.orchion"),
            java.util.logging.Logger.getLogger("org.eclipse.jetty"));
    private static final LogsComponent LOGS = logs();

    static {
        QUIET.forEach(l -> l.setLevel(java.util.logging.Level.WARNING));
    }

    final RegistryComponent registry;
    final SchedulerComponent scheduler;
    final ApiServlet servlet;

    ApiWorld() throws Exception {
        MemoryStores stores = new MemoryStores(jobs());
        List<Object> services = new ArrayList<>();
        BundleContext context = OsgiStandIns.bundleContext(Map.of(Orchion.VERSION, "fuzz", Orchion.DATA_DIR,
                DATA.toString()), services);
        registry = new RegistryComponent(stores, Map.of());
        List<NodeListener> listeners = new CopyOnWriteArrayList<>();
        OsgiStandIns.inject(registry, "listeners", listeners);
        for (int i = 0; i < NODE_IDS.size(); i++) {
            registry.register(new NodeRegistration(NODE_IDS.get(i), "host-" + (i + 1), NODE_NAMES.get(i),
                    "127.0.0.1:" + (9000 + i), "dev", new Capabilities("cpu", 4, "amd64", 8L << 30, "linux", List.of(),
                            Map.of("zone", "z" + i), List.of("process", "docker", "vllm"))));
        }
        scheduler = new SchedulerComponent(context, Map.of(), stores, registry);
        services.stream().filter(NodeListener.class::isInstance).map(NodeListener.class::cast).forEach(listeners::add);
        OsgiStandIns.call(scheduler, "addStrategy", new RoundRobinStrategy(),
                Map.of(SchedulingStrategy.NAME, "round-robin"));
        OsgiStandIns.call(scheduler, "addListener", LOGS);
        OsgiStandIns.inject(LOGS, "jobs", scheduler);

        servlet = ApiServlet.class.getConstructor(io.orchion.api.node.NodeRegistry.class, BundleContext.class,
                Class.forName("io.orchion.rest.internal.RestConfig"))
                .newInstance(registry, context, OsgiStandIns.config(Class.forName("io.orchion.rest.internal.RestConfig")));
        OsgiStandIns.inject(servlet, "scheduler", scheduler);
        OsgiStandIns.inject(servlet, "jobs", scheduler);
        OsgiStandIns.inject(servlet, "parser", PARSER);
        OsgiStandIns.inject(servlet, "logs", LOGS);
        OsgiStandIns.inject(servlet, "auditLog", ApiServer.Auth.AUDIT);
    }

    @Override
    public void close() {
        OsgiStandIns.call(scheduler, "removeListener", LOGS);
        OsgiStandIns.call(scheduler, "deactivate");
        OsgiStandIns.call(registry, "deactivate");
    }

    /** A route of the API's table: what the fuzzer aims at and the role the harness holds it to. */
    record RouteRule(String method, String path, io.orchion.api.security.Role role) {
    }

    /** The API's route table ({@code Routes.ALL}), read from the rest bundle so that new routes are fuzzed too. */
    static List<RouteRule> routes() throws ReflectiveOperationException {
        Field f = Class.forName("io.orchion.rest.internal.Routes").getDeclaredField("ALL");
        f.setAccessible(true);
        List<RouteRule> rules = new ArrayList<>();
        for (Object route : (List<?>) f.get(null)) {
            rules.add(new RouteRule((String) accessor(route, "method"), (String) accessor(route, "path"),
                    (io.orchion.api.security.Role) accessor(route, "role")));
        }
        return List.copyOf(rules);
    }

    /** The route templates under /api, without the prefix. */
    static List<String> routePaths() throws ReflectiveOperationException {
        List<String> paths = new ArrayList<>();
        for (RouteRule r : routes()) {
            if (r.path().startsWith("/api/")) {
                paths.add(r.path().substring(4));
            }
        }
        return List.copyOf(new java.util.LinkedHashSet<>(paths));
    }

    private static Object accessor(Object record, String name) throws ReflectiveOperationException {
        var m = record.getClass().getDeclaredMethod(name);
        m.setAccessible(true);
        return m.invoke(record);
    }

    private static List<Job> jobs() {
        Job hello = job(JOB_IDS.get(0), "name: hello\nruntime: process\nprocess: { command: [echo, hi] }\n"
                + "labels: { team: ml }\n");
        hello = hello.placed("n1", List.of(), hello.id() + "-r1").to(JobState.SCHEDULED, "placed", T0)
                .to(JobState.RUNNING, "started", T0).exited(0).to(JobState.SUCCEEDED, "exit 0", T0.plusSeconds(1));
        Job llama = job(JOB_IDS.get(1), "name: llama\nruntime: vllm\nvllm: { model: tiny }\n"
                + "resources: { gpus: 1, gpuMemory: 6Gi }\n");
        Job web = job(JOB_IDS.get(2), "name: web\nruntime: docker\ndocker: { image: busybox }\n");
        web = web.placed("n2", List.of(), web.id() + "-r1").to(JobState.SCHEDULED, "placed", T0)
                .to(JobState.RUNNING, "started", T0);
        return List.of(hello, llama, web);
    }

    private static Job job(String id, String spec) {
        return new Job(id, PARSER.parse(spec), JobState.PENDING, "", List.of(), "", 0, null, "", T0, List.of())
                .to(JobState.PENDING, "submitted", T0);
    }

    /** One log store for all inputs (its files are only read by the API); the succeeded job has lines. */
    private static LogsComponent logs() {
        List<Object> none = new ArrayList<>();
        LogsComponent logs = new LogsComponent(OsgiStandIns.bundleContext(Map.of(Orchion.DATA_DIR, DATA.toString()),
                none), (LogsComponent.Config) OsgiStandIns.config(LogsComponent.Config.class));
        String job = JOB_IDS.get(0);
        List<LogLine> lines = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            lines.add(new LogLine(i, T0.plusMillis(i), job + "-r1", i == 5 ? "stderr" : "stdout", "line " + i));
        }
        try {
            logs.append(job, job + "-r1", lines);
        } catch (RuntimeException e) {
            // written by an earlier run
        }
        return logs;
    }
}
