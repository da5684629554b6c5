package io.orchion.scheduler.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import io.orchion.api.metrics.Metrics;
import io.orchion.api.node.NodeListener;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.scheduler.SchedulerAdmin;
import io.orchion.api.scheduler.SchedulingStrategy;
import io.orchion.api.scheduler.StrategyStatus;

/**
 * The scheduler as the framework sees it: its configuration, the services it uses, and the three
 * it offers, each the work of its own part over one {@link JobBook}: the job service and the
 * agents' reports ({@link SchedulerJobs}), the placement loop's thread ({@link PlacementThread}),
 * and strategy administration ({@link StrategyAdmin}, kept through Configuration Admin by
 * {@link StrategyConfig}). This class wires them and hands each call to its part.
 * <p>
 * Configuration: PID {@code io.orchion.scheduler} (key {@code strategy}), retention of ended jobs
 * ({@value #RETENTION_PID}) and bounds on live jobs ({@value #LIMITS_PID}).
 */
@Component(service = { SchedulerAdmin.class, JobService.class, RunReports.class }, immediate = true,
        configurationPid = { SchedulerComponent.PID, SchedulerComponent.RETENTION_PID,
                SchedulerComponent.LIMITS_PID })
public class SchedulerComponent implements SchedulerAdmin, JobService, RunReports {
    static final String PID = "io.orchion.scheduler";
    /** Retention of finished jobs: its own PID, so `scheduler use` never rewrites it. */
    static final String RETENTION_PID = "io.orchion.jobs.retention";
    static final String MAX_FINISHED = "retention.finished.max";
    static final String MAX_AGE = "retention.finished.age.ms";
    /** Bounds on the live jobs (pending, scheduled, running): their own PID, beside retention. */
    static final String LIMITS_PID = "io.orchion.jobs.limits";
    static final String MAX_LIVE = "jobs.live.max";
    static final String MAX_LIVE_SPEC_BYTES = "jobs.live.spec.bytes.max";
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerComponent.class);

    @ObjectClassDefinition(name = "Orchion scheduler")
    public @interface Config {
        @AttributeDefinition(description = "the scheduling strategy: round-robin, gpu-aware, bin-packing or a plugin's")
        String strategy() default StrategySelection.DEFAULT;
    }

    private final JobBook book;
    private final PlacementThread placement;
    private final SchedulerJobs jobs;
    private final StrategyAdmin strategies;
    private final ServiceRegistration<NodeListener> listener;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile RunDispatcher dispatcher;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Metrics metrics;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ConfigurationAdmin configAdmin;

    private final List<JobListener> listeners = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(JobListener l) {
        listeners.add(l);
    }

    void removeListener(JobListener l) {
        listeners.remove(l);
    }

    @Activate
    public SchedulerComponent(BundleContext context, Map<String, Object> config, @Reference JobStore store,
            @Reference NodeRegistry registry) {
        String dir = context.getProperty("felix.fileinstall.dir");
        StrategySelection selection = new StrategySelection();
        this.book = new JobBook(store, InstantSource.system(), this::announce);
        this.placement = new PlacementThread(book, registry, selection, () -> dispatcher, () -> metrics,
                this::announceRemoved);
        this.jobs = new SchedulerJobs(book, registry, () -> dispatcher, placement);
        this.strategies = new StrategyAdmin(selection, book, registry,
                new StrategyConfig(() -> configAdmin, dir == null ? null : Path.of(dir)));
        modified(config);
        // registered by hand: as a DS service it would make a cycle with the registry
        this.listener = context.registerService(NodeListener.class, placement::nodeChanged, null);
        placement.start();
    }

    @Deactivate
    void deactivate() {
        try {
            listener.unregister();
        } catch (IllegalStateException ignored) {
            // gone with the bundle
        }
        placement.stop();
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

    /** Tells the whiteboard that retention forgot a job (its logs go too). */
    private void announceRemoved(String id) {
        for (JobListener l : listeners) {
            try {
                l.jobRemoved(id);
            } catch (RuntimeException e) {
                LOG.warn("job listener {} failed on removal of {}: {}", l.getClass().getName(), id, e.toString());
            }
        }
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
            placement.retention(Duration.ofMillis(age), max);
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
        strategies.configured(s == null ? null : s.toString());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + SchedulingStrategy.NAME + "=*)")
    void addStrategy(SchedulingStrategy strategy, Map<String, Object> props) {
        strategies.installed(String.valueOf(props.get(SchedulingStrategy.NAME)), strategy);
    }

    void removeStrategy(SchedulingStrategy strategy, Map<String, Object> props) {
        strategies.removed(String.valueOf(props.get(SchedulingStrategy.NAME)));
    }

    // JobService and RunReports: the job part

    @Override
    public Job submit(JobSpec spec) {
        return jobs.submit(spec);
    }

    @Override
    public List<Job> jobs() {
        return jobs.jobs();
    }

    @Override
    public JobPage jobs(JobQuery query) {
        return jobs.jobs(query);
    }

    @Override
    public Optional<Job> job(String id) {
        return jobs.job(id);
    }

    @Override
    public Job cancel(String id) {
        return jobs.cancel(id);
    }

    @Override
    public void report(String nodeId, RunReport report) {
        jobs.report(nodeId, report);
    }

    @Override
    public void connected(String nodeId) {
        jobs.connected(nodeId);
    }

    // SchedulerAdmin: the strategy part

    @Override
    public StrategyStatus status() {
        return strategies.status();
    }

    @Override
    public StrategyStatus use(String name) {
        return strategies.use(name);
    }

    @Override
    public Map<String, String> preview(String strategyName) {
        return strategies.preview(strategyName);
    }
}
