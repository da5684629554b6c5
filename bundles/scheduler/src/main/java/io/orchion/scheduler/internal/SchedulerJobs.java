package io.orchion.scheduler.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.Validation;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobPage;
import io.orchion.api.job.JobQuery;
import io.orchion.api.job.JobService;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.RunDispatcher;
import io.orchion.api.job.RunReport;
import io.orchion.api.job.RunReports;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistry;

/**
 * The job service and the agents' reports: checks what callers send, applies it to the
 * {@link JobBook}, and asks the {@link PlacementThread} for a round when something may have made
 * or taken room. Stopping a run goes through the {@link RunDispatcher}.
 */
final class SchedulerJobs implements JobService, RunReports {
    static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerJobs.class);

    private final JobBook book;
    private final NodeRegistry registry;
    private final Supplier<RunDispatcher> dispatcher;
    private final PlacementThread placement;

    SchedulerJobs(JobBook book, NodeRegistry registry, Supplier<RunDispatcher> dispatcher, PlacementThread placement) {
        this.book = book;
        this.registry = registry;
        this.dispatcher = dispatcher;
        this.placement = placement;
    }

    @Override
    public Job submit(JobSpec spec) {
        Set<String> offered = new TreeSet<>();
        List<Node> nodes = registry.nodes();
        nodes.forEach(n -> offered.addAll(n.capabilities().runtimes()));
        if (!nodes.isEmpty() && !offered.contains(spec.runtime())) {
            throw new InvalidArgumentException("runtime", "no node offers the '" + spec.runtime() + "' runtime (offered: "
                    + (offered.isEmpty() ? "none" : String.join(", ", offered)) + ")");
        }
        Job job = book.submit(spec);
        LOG.info("job {} submitted ({} runtime)", job.id(), spec.runtime());
        placement.kick();
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
    static String nodeId(List<Node> nodes, String node) {
        for (Node n : nodes) {
            if (n.id().equals(node)) {
                return node;
            }
        }
        return nodes.stream().filter(n -> n.name().equals(node)).map(Node::id).findFirst().orElse(node);
    }

    @Override
    public Optional<Job> job(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        return book.get(Validation.jobId("job_id", id));
    }

    @Override
    public Job cancel(String id) {
        Job j = book.cancel(Validation.jobId("job_id", id));
        if (book.cancelling(id)) {
            RunDispatcher send = dispatcher.get();
            if (send == null || !send.stop(j, STOP_GRACE)) {
                placement.lost(j.nodeId(), "is not connected");
            }
        }
        return book.get(id).orElseThrow();
    }

    @Override
    public void report(String nodeId, RunReport report) {
        String name = registry.node(nodeId).map(Node::name).orElse(nodeId);
        if (book.stale(nodeId, report)) {
            // e.g. placed again while this node was cut off: only one copy may run
            RunDispatcher send = dispatcher.get();
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
            placement.kick();
        });
    }

    @Override
    public void connected(String nodeId) {
        placement.connected(nodeId);
    }
}
