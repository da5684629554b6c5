package io.orchion.scheduler.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Deactivate;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobListener;
import io.orchion.api.job.JobPage;
import io.orchion.api.job.JobQuery;
import io.orchion.api.job.JobService;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobStore;
import io.orchion.api.job.RunDispatcher;
import io.orchion.api.job.RunReport;
import io.orchion.api.job.RunReports;
import io.orchion.api.node.NodeListener;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.scheduler.SchedulerAdmin;
import io.orchion.api.scheduler.SchedulingStrategy;
import io.orchion.api.scheduler.StrategyStatus;

/**
 * The scheduler's strategy selection: collects the strategy plugins (whiteboard, by their
 * {@code orchion.strategy} property), follows the configuration (PID {@code io.orchion.scheduler},
 * key {@code strategy}) and falls back to the default when the configured one is missing.
 */
@Component(service = { SchedulerAdmin.class, JobService.class, RunReports.class }, immediate = true,
        configurationPid = { SchedulerComponent.PID, SchedulerComponent.RETENTION_PID,
                SchedulerComponent.LIMITS_PID })
public class SchedulerComponent implements SchedulerAdmin, JobService, RunReports {
    static final String PID = "io.orchion.scheduler";
    static final String FILE = PID + ".cfg";
    /** Retention of finished jobs: its own PID, so `scheduler use` never rewrites it. */
    static final String RETENTION_PID = "io.orchion.jobs.retention";
    static final String MAX_FINISHED = "retention.finished.max";
    static final String MAX_AGE = "retention.finished.age.ms";
    /** Bounds on the live jobs (pending, scheduled, running): their own PID, beside retention. */
    static final String LIMITS_PID = "io.orchion.jobs.limits";
    static final String MAX_LIVE = "jobs.live.max";
    static final String MAX_LIVE_SPEC_BYTES = "jobs.live.spec.bytes.max";
    private volatile int maxFinished = 10_000;
    private volatile Duration maxAge = Duration.ofDays(7);
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerComponent.class);

    @ObjectClassDefinition(name = "Orchion scheduler")
    public @interface Config {
        @AttributeDefinition(description = "the scheduling strategy: round-robin, gpu-aware, bin-packing or a plugin's")
        String strategy() default StrategySelection.DEFAULT;
    }

    static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final StrategySelection selection = new StrategySelection();
    private final Path confDir;
    private final NodeRegistry registry;
    private final JobBook book;
    private final PlacementLoop placement;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r,
            "orchion-scheduler"));
    private final ServiceRegistration<NodeListener> listener;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile RunDispatcher dispatcher;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile io.orchion.api.metrics.Metrics metrics;

    private final List<JobListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(JobListener l) {
        listeners.add(l);
    }

    void removeListener(JobListener l) {
        listeners.remove(l);
    }

    /** Tells the whiteboard of a stored change; a failing listener is logged, never the caller's problem. */
    private void announce(Job job) {
        for (JobListener l : listeners) {
            try {
                l.jobChanged(job);
            } catch (RuntimeException e) {
                LOG.warn("job listener {} failed on {}: {}", l.getClass().getName(), job.id(), e.toString());
            }
        }
    }

    @Activate
    public SchedulerComponent(BundleContext context, Map<String, Object> config, @Reference JobStore store,
            @Reference NodeRegistry registry) {
        String dir = context.getProperty("felix.fileinstall.dir");
        this.confDir = dir == null ? null : Path.of(dir);
        this.registry = registry;
        this.book = new JobBook(store, InstantSource.system(), this::announce);
        this.placement = new PlacementLoop(book);
        modified(config);
        // registered by hand: as a DS service it would make a cycle with the registry
        this.listener = context.registerService(NodeListener.class, (change, node) -> {
            if (change == NodeListener.Change.STATUS && node.status() == NodeStatus.DOWN) {
                loop.execute(() -> lost(node.id(), node.name() + " is DOWN"));
            } else if (change == NodeListener.Change.UNREGISTERED || change == NodeListener.Change.FORGOTTEN) {
                loop.execute(() -> lost(node.id(), node.name() + " was removed"));
            } else {
                kick();
            }
        }, null);
        loop.scheduleWithFixedDelay(this::round, 1, 1, TimeUnit.SECONDS);
        loop.scheduleWithFixedDelay(this::compact, 10, 10, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        try {
            listener.unregister();
        } catch (IllegalStateException ignored) {
            // gone with the bundle
        }
        loop.shutdownNow();
    }

    /** Asks for a placement round soon (coalescing is the loop's: rounds are cheap when idle). */
    private void kick() {
        try {
            loop.execute(this::round);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // shutting down
        }
    }

    private void round() {
        try {
            String name = selection.status().active();
            long t0 = System.nanoTime();
            PlacementLoop.Round r = placement.round(registry.nodes(), name, selection.active());
            io.orchion.api.metrics.Metrics m = metrics;
            if (m != null) {
                r.placed().forEach(j -> m.placement(System.nanoTime() - t0)); // placement latency histogram
            }
            for (Job placed : r.placed()) {
                String node = registry.node(placed.nodeId()).map(io.orchion.api.node.Node::name).orElse(placed.nodeId());
                RunDispatcher send = dispatcher;
                boolean sent;
                try {
                    sent = send != null && send.assign(ServerReference.resolve(placed, book.holding()));
                } catch (InvalidArgumentException undeliverable) {
                    // e.g. too big for the agent's stream: it would be on any node, so no retry
                    Job failed = book.undeliverable(placed.id(), "cannot be sent to " + node + ": "
                            + undeliverable.getMessage());
                    LOG.warn("job {}: {}", failed.id(), failed.message());
                    continue;
                }
                if (!sent) {
                    book.notSent(placed.id(), "the agent of " + node + " is not connected");
                } else {
                    LOG.info("job {} placed on {} by {}", placed.id(), node, name);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("scheduler: placement round failed: {}", e.toString());
        }
    }

    /** Forgets finished jobs past the retention rule, and tells the whiteboard (logs go too). */
    private void compact() {
        try {
            List<String> gone = book.compact(maxAge, maxFinished);
            if (!gone.isEmpty()) {
                LOG.info("retention: forgot {} finished jobs (keeping at most {} for at most {} ms)", gone.size(),
                        maxFinished, maxAge.toMillis());
                for (String id : gone) {
                    for (JobListener l : listeners) {
                        try {
                            l.jobRemoved(id);
                        } catch (RuntimeException e) {
                            LOG.warn("job listener {} failed on removal of {}: {}", l.getClass().getName(), id,
                                    e.toString());
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.error("retention: compaction failed: {}", e.toString());
        }
    }

    private static Map<String, String> names(List<io.orchion.api.node.Node> nodes) {
        Map<String, String> names = new java.util.HashMap<>();
        nodes.forEach(n -> names.put(n.id(), n.name()));
        return names;
    }

    private void lost(String nodeId, String why) {
        for (Job j : book.nodeLost(nodeId, why)) {
            LOG.warn("job {}: {}", j.id(), j.message());
        }
        kick();
    }

    @Override
    public Job submit(JobSpec spec) {
        java.util.Set<String> offered = new java.util.TreeSet<>();
        List<io.orchion.api.node.Node> nodes = registry.nodes();
        nodes.forEach(n -> offered.addAll(n.capabilities().runtimes()));
        if (!nodes.isEmpty() && !offered.contains(spec.runtime())) {
            throw new InvalidArgumentException("runtime", "no node offers the '" + spec.runtime() + "' runtime (offered: "
                    + (offered.isEmpty() ? "none" : String.join(", ", offered)) + ")");
        }
        Job job = book.submit(spec);
        LOG.info("job {} submitted ({} runtime)", job.id(), spec.runtime());
        kick();
        return job;
    }

    @Override
    public List<Job> jobs() {
        return book.list();
    }

    @Override
    public JobPage jobs(JobQuery query) {
        return book.query(query, query.node().isEmpty() ? "" : nodeId(registry.nodes(), query.node()));
    }

    /**
     * A node filter as the id the jobs carry: a node's id, else the id of the first node of that
     * display name, else the text itself (a node forgotten since still matches its jobs by id).
     */
    static String nodeId(List<io.orchion.api.node.Node> nodes, String node) {
        for (io.orchion.api.node.Node n : nodes) {
            if (n.id().equals(node)) {
                return node;
            }
        }
        return nodes.stream().filter(n -> n.name().equals(node)).map(io.orchion.api.node.Node::id).findFirst()
                .orElse(node);
    }

    @Override
    public Optional<Job> job(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        return book.get(io.orchion.api.Validation.jobId("job_id", id));
    }

    @Override
    public Job cancel(String id) {
        Job j = book.cancel(io.orchion.api.Validation.jobId("job_id", id));
        if (book.cancelling(id)) {
            RunDispatcher send = dispatcher;
            if (send == null || !send.stop(j, STOP_GRACE)) {
                lost(j.nodeId(), "is not connected");
            }
        }
        return book.get(id).orElseThrow();
    }

    @Override
    public void report(String nodeId, RunReport report) {
        String name = registry.node(nodeId).map(io.orchion.api.node.Node::name).orElse(nodeId);
        if (book.stale(nodeId, report)) {
            // e.g. placed again while this node was cut off: only one copy may run
            RunDispatcher send = dispatcher;
            Job copy = book.get(report.jobId()).orElse(null);
            if (send != null && copy != null) {
                LOG.warn("job {}: run {} on {} is stale (the job is {} as run {}); stopping it", report.jobId(),
                        report.runId(), name, copy.state(), copy.runId());
                send.stop(new Job(copy.id(), copy.spec(), copy.state(), nodeId, List.of(), report.runId(), copy.attempt(),
                        copy.exitCode(), copy.message(), copy.submitted(), copy.events()), STOP_GRACE);
            }
            return;
        }
        book.report(nodeId, name, report).ifPresent(j -> {
            LOG.info("job {} is {}: {}", j.id(), j.state(), j.message());
            kick();
        });
    }

    @Override
    public void connected(String nodeId) {
        java.time.Instant at = java.time.Instant.now();
        long grace = Math.max(5_000, 2 * registry.settings().heartbeatInterval().toMillis());
        try {
            loop.schedule(() -> {
                String name = registry.node(nodeId).map(io.orchion.api.node.Node::name).orElse(nodeId);
                for (Job j : book.reconcile(nodeId, name, at)) {
                    LOG.warn("job {}: {}", j.id(), j.message());
                }
                kick();
            }, grace, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // shutting down
        }
    }

    /** Where the pending jobs would go under another strategy, placing nothing. */
    @Override
    public Map<String, String> preview(String strategyName) {
        SchedulingStrategy s = selection.get(strategyName);
        if (s == null) {
            throw new InvalidArgumentException("strategy", "'" + strategyName + "' is not installed; available: "
                    + String.join(", ", selection.status().available()));
        }
        List<io.orchion.api.node.Node> nodes = registry.nodes();
        Map<String, String> names = names(nodes);
        // on a copy: a preview never moves the bookkeeping of the strategy that places for real
        PlacementRound.Outcome out = PlacementRound.run(book.pending(), Snapshot.of(nodes, book.holding()), s.copy());
        Map<String, String> result = new java.util.LinkedHashMap<>();
        out.placed().forEach(d -> result.put(d.jobId(), names.get(d.placement().nodeId())
                + (d.placement().gpuIndices().isEmpty() ? "" : " GPUs " + d.placement().gpuIndices())));
        out.pendingWhy().forEach((id, why) -> result.put(id, "stays pending: " + why));
        return result;
    }

    @Modified
    void modified(Map<String, Object> config) {
        for (String key : config.keySet()) {
            if (!key.equals("strategy") && !key.equals(MAX_FINISHED) && !key.equals(MAX_AGE)
                    && !key.equals(MAX_LIVE) && !key.equals(MAX_LIVE_SPEC_BYTES)
                    && !key.startsWith("service.") && !key.startsWith("component.")
                    && !key.startsWith("felix.") && !key.startsWith("osgi.") && !key.endsWith(".target")) {
                LOG.error("configuration {} refused, the previous one stays in force: unknown key '{}' (known: strategy, "
                        + "{}, {}, {}, {})", PID, key, MAX_FINISHED, MAX_AGE, MAX_LIVE, MAX_LIVE_SPEC_BYTES);
                return;
            }
        }
        try {
            int max = config.get(MAX_FINISHED) == null ? 10_000 : Integer.parseInt(config.get(MAX_FINISHED).toString().trim());
            long age = config.get(MAX_AGE) == null ? Duration.ofDays(7).toMillis()
                    : Long.parseLong(config.get(MAX_AGE).toString().trim());
            if (max < 0 || age < 0) {
                throw new NumberFormatException("negative");
            }
            maxFinished = max;
            maxAge = Duration.ofMillis(age);
        } catch (NumberFormatException e) {
            LOG.error("configuration {} refused, the previous retention stays in force: {} and {} must be whole numbers "
                    + "of 0 or more ({}={}, {}={})", RETENTION_PID, MAX_FINISHED, MAX_AGE, MAX_FINISHED,
                    config.get(MAX_FINISHED), MAX_AGE, config.get(MAX_AGE));
        }
        try {
            int live = config.get(MAX_LIVE) == null ? JobBook.DEFAULT_MAX_LIVE
                    : Integer.parseInt(config.get(MAX_LIVE).toString().trim());
            long bytes = config.get(MAX_LIVE_SPEC_BYTES) == null ? JobBook.DEFAULT_MAX_LIVE_SPEC_BYTES
                    : Long.parseLong(config.get(MAX_LIVE_SPEC_BYTES).toString().trim());
            if (live < 1 || bytes < 1) {
                throw new NumberFormatException("not positive");
            }
            book.limits(live, bytes);
        } catch (NumberFormatException e) {
            LOG.error("configuration {} refused, the previous limits stay in force: {} and {} must be whole numbers "
                    + "of 1 or more ({}={}, {}={})", LIMITS_PID, MAX_LIVE, MAX_LIVE_SPEC_BYTES, MAX_LIVE,
                    config.get(MAX_LIVE), MAX_LIVE_SPEC_BYTES, config.get(MAX_LIVE_SPEC_BYTES));
        }
        Object s = config.get("strategy");
        log(selection.configure(s == null ? null : s.toString()));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + SchedulingStrategy.NAME + "=*)")
    void addStrategy(SchedulingStrategy strategy, Map<String, Object> props) {
        // at start strategies arrive one by one: their passing choices are debug material
        String line = selection.installed(String.valueOf(props.get(SchedulingStrategy.NAME)), strategy);
        if (line != null) {
            LOG.debug(line);
        }
    }

    void removeStrategy(SchedulingStrategy strategy, Map<String, Object> props) {
        String name = String.valueOf(props.get(SchedulingStrategy.NAME));
        String line = selection.removed(name);
        if (line != null) {
            LOG.warn("{} (strategy {} went away: its bundle stopped or was removed)", line, name);
        }
    }

    private static void log(String line) {
        if (line != null) {
            LOG.info(line);
        }
    }

    @Override
    public StrategyStatus status() {
        return selection.status();
    }

    @Override
    public StrategyStatus use(String name) {
        String n = name == null ? "" : name.trim();
        if (!selection.isInstalled(n)) {
            throw new InvalidArgumentException("strategy", "'" + n + "' is not installed; available: "
                    + String.join(", ", selection.status().available()));
        }
        if (confDir != null) {
            write(n);
        }
        log(selection.configure(n));
        return selection.status();
    }

    /** Writes the choice where an operator would, atomically, so FileInstall never reads half a file. */
    private void write(String name) {
        try {
            Files.createDirectories(confDir);
            Path tmp = Files.createTempFile(confDir, FILE, ".tmp");
            Files.writeString(tmp, "# written by orchion:scheduler use; edit freely\nstrategy = " + name + "\n",
                    StandardCharsets.UTF_8);
            try {
                Files.move(tmp, confDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, confDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + confDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }
}
