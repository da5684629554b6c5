package io.orchion.scheduler.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.LimitExceededException;
import io.orchion.api.NotFoundException;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;
import io.orchion.api.job.JobStore;
import io.orchion.api.job.JobPage;
import io.orchion.api.job.JobQuery;
import io.orchion.api.job.RunPhase;
import io.orchion.api.job.RunReport;
import io.orchion.api.scheduler.Placement;

/**
 * The jobs and their rules, free of OSGi and threads: every transition is stored (with its event)
 * before it is visible; a failed or lost run is retried as the job's restart policy says, with a
 * doubling backoff; reports of an older run are ignored.
 * <p>
 * Indexes kept as jobs change, so that the placement loop never walks every job: the pending queue
 * in placement order (priority, then submission), the jobs holding resources, and the pending jobs
 * not yet judged (new, back from a failed run, or past their backoff). Only jobs that are not ended
 * (pending or holding resources) keep their spec in memory: an ended job keeps a summary whose
 * runtime settings are left out ({@link #LEFT_OUT}), and {@link #get} reads the whole job from the
 * store. How many jobs may be live at once, and how much spec they may carry, is bounded.
 */
final class JobBook {
    /** The runtime settings of an ended job's summary: the full spec is read from the store on demand. */
    static final Map<String, Object> LEFT_OUT = java.util.Collections.unmodifiableMap(new LinkedHashMap<>());
    static final int DEFAULT_MAX_LIVE = 20_000;
    static final long DEFAULT_MAX_LIVE_SPEC_BYTES = 64L << 20;
    /** The phases that say a run is going on: from a run that should not be, they make it stale. */
    private static final Set<RunPhase> STALE_PHASES = EnumSet.of(RunPhase.RUNNING, RunPhase.PROGRESS, RunPhase.STATUS);

    private final JobStore store;
    private final InstantSource clock;
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final Map<String, Long> sequence = new HashMap<>();
    private final Map<String, Instant> notBefore = new HashMap<>();
    private final Set<String> cancelling = new HashSet<>();
    /** When the current run of each placed job was last heard of (placement counts); in memory only. */
    private final Map<String, Instant> heard = new HashMap<>();
    /** The pending jobs in placement order. */
    private final TreeSet<Queued> queue = new TreeSet<>();
    /** Pending jobs no round has judged since they became pending or their backoff passed. */
    private final Set<String> fresh = new HashSet<>();
    private final Map<String, Job> holding = new LinkedHashMap<>();
    private final Map<String, Long> specBytes = new HashMap<>();
    private final java.util.function.Consumer<Job> changed;
    private long next;
    private long liveSpecBytes;
    /** Bumped when a job starts or stops answering at an endpoint: jobs waiting for a server may go. */
    private long servers;
    private int maxLive = DEFAULT_MAX_LIVE;
    private long maxLiveSpecBytes = DEFAULT_MAX_LIVE_SPEC_BYTES;

    /** A pending job's place in the queue: higher priority first, then older. */
    private record Queued(int priority, long sequence, String id) implements Comparable<Queued> {
        @Override
        public int compareTo(Queued o) {
            int c = Integer.compare(o.priority, priority);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }

    JobBook(JobStore store, InstantSource clock) {
        this(store, clock, j -> {
        });
    }

    /** @param changed told of every change, in order, after it is stored (progress is not stored) */
    JobBook(JobStore store, InstantSource clock, java.util.function.Consumer<Job> changed) {
        this.changed = changed;
        this.store = store;
        this.clock = clock;
        List<Job> loaded = new ArrayList<>();
        store.loadJobs(j -> loaded.add(live(j) ? j : summary(j))); // one full ended job at a time, at most
        loaded.sort(Comparator.comparing(Job::submitted));
        for (Job j : loaded) {
            sequence.put(j.id(), next++);
            put(j);
        }
    }

    /**
     * The bounds on live jobs (pending or holding resources): how many, and the estimated size of
     * their specs together ({@link SpecSize}). Jobs already accepted are kept when they are lowered.
     */
    synchronized void limits(int maxLive, long maxLiveSpecBytes) {
        this.maxLive = maxLive;
        this.maxLiveSpecBytes = maxLiveSpecBytes;
    }

    /**
     * Accepts a job as PENDING.
     *
     * @throws LimitExceededException if it would take the live jobs past either bound
     */
    synchronized Job submit(JobSpec spec) {
        int live = queue.size() + holding.size();
        if (live >= maxLive) {
            throw new LimitExceededException(SchedulerComponent.MAX_LIVE, maxLive, live
                    + " jobs are pending or running, the most this orchestrator keeps; submit again when some have "
                    + "ended, or cancel some");
        }
        long size = SpecSize.of(spec);
        if (liveSpecBytes + size > maxLiveSpecBytes) {
            throw new LimitExceededException(SchedulerComponent.MAX_LIVE_SPEC_BYTES, maxLiveSpecBytes,
                    "the specs of the pending and running jobs take " + liveSpecBytes + " bytes and this one " + size
                            + "; submit again when some have ended, or cancel some");
        }
        String id;
        do {
            id = spec.name() + "-" + UUID.randomUUID().toString().substring(0, 8);
        } while (jobs.containsKey(id));
        Instant now = clock.instant();
        Job job = new Job(id, spec, JobState.PENDING, "", List.of(), "", 0, null, "", now, List.of())
                .to(JobState.PENDING, "submitted", now);
        store.save(job);
        sequence.put(id, next++);
        put(job);
        changed.accept(job);
        return job;
    }

    synchronized List<Job> list() {
        List<Job> all = new ArrayList<>(jobs.values());
        all.sort(Comparator.comparing(Job::submitted).reversed().thenComparing(Job::id));
        return all;
    }

    /**
     * A page of the jobs a query asks for, newest first. The node filter is a node id here (the
     * caller resolves a display name). The page token is the last listed job's id in URL-safe
     * Base64: paging resumes after that job whether or not it still passes the filters, so jobs
     * submitted or changed meanwhile shift nothing.
     *
     * @param nodeId the node filter as an id; empty: every node
     * @throws InvalidArgumentException naming {@code pageToken}: not a token given out, or its job
     *                                  has been forgotten (retention)
     */
    JobPage query(JobQuery q, String nodeId) {
        String after = q.pageToken().isEmpty() ? null : fromToken(q.pageToken());
        int limit = q.limit() == 0 ? Integer.MAX_VALUE : q.limit();
        List<Job> page = new ArrayList<>(Math.min(limit, 1024));
        boolean started = after == null;
        int total = 0;
        boolean more = false;
        for (Job j : list()) {
            boolean passes = (q.state() == null || j.state() == q.state())
                    && (nodeId.isEmpty() || nodeId.equals(j.nodeId())) && labelled(j, q.labels());
            if (!started) {
                started = j.id().equals(after);
                total += passes ? 1 : 0;
                continue;
            }
            if (!passes) {
                continue;
            }
            total++;
            if (page.size() < limit) {
                page.add(j);
            } else {
                more = true;
            }
        }
        if (!started) {
            throw new InvalidArgumentException("pageToken", "the job it points at no longer exists; list again without it");
        }
        String next = more ? token(page.get(page.size() - 1).id()) : "";
        return new JobPage(page, next, total);
    }

    private static boolean labelled(Job j, Map<String, String> wanted) {
        for (Map.Entry<String, String> w : wanted.entrySet()) {
            if (!w.getValue().equals(j.spec().labels().get(w.getKey()))) {
                return false;
            }
        }
        return true;
    }

    static String token(String jobId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(jobId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String fromToken(String token) {
        try {
            return new String(Base64.getUrlDecoder().decode(token), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("pageToken", "not a token this API gave out");
        }
    }

    /** The job, whole: an ended job's spec is read from the store (its summary if the store lost it). */
    synchronized Optional<Job> get(String id) {
        Job j = jobs.get(id);
        if (j == null || j.spec().runtimeSettings() != LEFT_OUT) {
            return Optional.ofNullable(j);
        }
        return Optional.of(store.loadJob(id).orElse(j));
    }

    /** Jobs waiting for a node whose retry backoff (if any) has passed, in placement order. */
    synchronized List<PlacementRound.Pending> pending() {
        Instant now = clock.instant();
        List<PlacementRound.Pending> out = new ArrayList<>(queue.size());
        for (Queued q : queue) {
            Instant wait = notBefore.get(q.id());
            if (wait == null || !wait.isAfter(now)) {
                out.add(pending(q.id()));
            }
        }
        return out;
    }

    /**
     * The pending jobs a placement round must judge, in placement order: every one past its backoff
     * when {@code all} (the cluster changed since the last round), else only those no round has
     * judged yet. Either way they count as judged from now on.
     */
    synchronized List<PlacementRound.Pending> judge(boolean all) {
        Instant now = clock.instant();
        if (!notBefore.isEmpty()) {
            for (var it = notBefore.entrySet().iterator(); it.hasNext();) {
                var e = it.next();
                if (!e.getValue().isAfter(now)) {
                    it.remove();
                    Job j = jobs.get(e.getKey());
                    if (j != null && j.state() == JobState.PENDING) {
                        fresh.add(e.getKey());
                    }
                }
            }
        }
        if (all) {
            fresh.clear();
            return pending();
        }
        if (fresh.isEmpty()) {
            return List.of();
        }
        List<PlacementRound.Pending> out = new ArrayList<>(fresh.size());
        for (String id : fresh) {
            out.add(pending(id));
        }
        fresh.clear();
        out.sort(PlacementRound.QUEUE_ORDER);
        return out;
    }

    private PlacementRound.Pending pending(String id) {
        return new PlacementRound.Pending(id, sequence.get(id), jobs.get(id).spec());
    }

    /** Jobs holding resources, for the snapshot's reservations. */
    synchronized List<Job> holding() {
        return List.copyOf(holding.values());
    }

    /** Changes whenever a job starts or stops answering at an endpoint (what waiting jobs need). */
    synchronized long servers() {
        return servers;
    }

    /**
     * A round's placements, stored in one transaction (a group commit) before any is sent: each is
     * on disk, and the round costs one commit rather than one per job. A job that stopped pending
     * while the round ran (cancelled) is left as it is.
     */
    synchronized List<Job> placedAll(List<PlacementRound.Decision> decisions,
            java.util.function.Function<String, String> nodeName, String strategy) {
        Instant now = clock.instant();
        List<Job> placed = new ArrayList<>(decisions.size());
        for (PlacementRound.Decision d : decisions) {
            Job j = jobs.get(d.jobId());
            if (j == null || j.state() != JobState.PENDING) {
                continue;
            }
            Placement p = d.placement();
            placed.add(j.placed(p.nodeId(), p.gpuIndices(), j.id() + "-r" + (j.attempt() + 1))
                    .to(JobState.SCHEDULED, "placed on " + nodeName.apply(p.nodeId()) + " by " + strategy
                            + (p.gpuIndices().isEmpty() ? "" : ", GPUs " + p.gpuIndices()), now));
        }
        store.saveAll(placed);
        placed.forEach(this::put);
        placed.forEach(j -> heard.put(j.id(), now));
        placed.forEach(changed);
        return placed;
    }

    /** Why a job stays pending; stored only when the reason changes. */
    synchronized void unplaced(String jobId, String why) {
        unplaced(Map.of(jobId, why));
    }

    /**
     * Why jobs stay pending, by job id: those whose reason changed are stored in one transaction
     * (a node joining can change the reason of every waiting job at once).
     */
    synchronized void unplaced(Map<String, String> why) {
        List<Job> moved = new ArrayList<>();
        why.forEach((id, reason) -> {
            Job j = jobs.get(id);
            if (j != null && j.state() == JobState.PENDING && !reason.equals(j.message())) {
                moved.add(j.withMessage(reason));
            }
        });
        if (moved.isEmpty()) {
            return;
        }
        store.saveAll(moved);
        moved.forEach(this::put);
        moved.forEach(changed);
    }

    /** The placement could not be sent: give the resources back and try again next round. */
    synchronized Job notSent(String jobId, String why) {
        Job j = jobs.get(jobId);
        return save(new Job(j.id(), j.spec(), j.state(), "", List.of(), j.runId(), j.attempt() - 1, j.exitCode(),
                j.message(), j.submitted(), j.events()).to(JobState.PENDING, why, clock.instant()));
    }

    /** The placement can never be sent as it is (see {@code RunDispatcher#assign}): FAILED, resources back. */
    synchronized Job undeliverable(String jobId, String why) {
        Job j = jobs.get(jobId);
        cancelling.remove(jobId);
        return save(j.to(JobState.FAILED, why, clock.instant()));
    }

    /** Applies an agent's report; returns the job if it changed. */
    synchronized Optional<Job> report(String nodeId, String nodeName, RunReport r) {
        Job j = jobs.get(r.jobId());
        if (j == null || !r.runId().equals(j.runId()) || !nodeId.equals(j.nodeId()) || !j.holdsResources()) {
            return Optional.empty(); // an old run, another node's claim, or already settled
        }
        Instant now = clock.instant();
        heard.put(j.id(), now);
        switch (r.phase()) {
            case RUNNING -> {
                if (j.state() == JobState.RUNNING) {
                    return r.endpoint().equals(j.endpoint()) ? Optional.empty()
                            : Optional.of(save(j.withEndpoint(r.endpoint())));
                }
                String where = r.endpoint().isEmpty() ? "" : ", serving at " + r.endpoint();
                return Optional.of(save(j.to(JobState.RUNNING, "running on " + nodeName + where, now)
                        .withEndpoint(r.endpoint())));
            }
            case PROGRESS -> {
                // transient: kept in memory and announced, not stored (a pull reports many times a second)
                if (r.progress() == null) {
                    return Optional.empty();
                }
                Job p = j.withProgress(r.progress());
                put(p);
                changed.accept(p);
                return Optional.empty();
            }
            case STATUS -> {
                return r.message().equals(j.message()) ? Optional.empty() : Optional.of(save(j.withMessage(r.message())));
            }
            case EXITED -> {
                Job ended = j.exited(r.exitCode()).withResult(r.result());
                if (cancelling.remove(j.id())) {
                    return Optional.of(save(ended.to(JobState.CANCELLED, "cancelled; the run stopped", now)));
                }
                if (r.exitCode() == 0 && "exited".equals(r.message())) {
                    return Optional.of(save(ended.to(JobState.SUCCEEDED, "exit code 0", now)));
                }
                String why = "exited".equals(r.message()) ? "exit code " + r.exitCode() : r.message();
                return Optional.of(save(retryOr(ended, JobState.FAILED, "run " + j.attempt() + " failed: " + why)));
            }
            case FAILED_TO_START -> {
                if (cancelling.remove(j.id())) {
                    return Optional.of(save(j.to(JobState.CANCELLED, "cancelled", now)));
                }
                return Optional.of(save(retryOr(j, JobState.FAILED, "run " + j.attempt() + " could not start: "
                        + r.message())));
            }
            case ACCEPTED -> {
                return Optional.empty(); // heard of (above); the job stays SCHEDULED until RUNNING
            }
            default -> throw new IllegalStateException("unhandled run phase " + r.phase());
        }
    }

    /**
     * A report of a run that should not be running: the job was placed again elsewhere, or has
     * ended, while that node was cut off. The caller stops that stale copy.
     */
    synchronized boolean stale(String nodeId, RunReport r) {
        if (!STALE_PHASES.contains(r.phase())) {
            return false;
        }
        Job j = jobs.get(r.jobId());
        return j == null || !r.runId().equals(j.runId()) || !nodeId.equals(j.nodeId()) || !j.holdsResources();
    }

    /**
     * The agent of {@code nodeId} connected at {@code since} and has had time to re-announce its
     * runs: a run placed there that it has not spoken of since is gone (the agent restarted without
     * it, or it ended unseen). LOST, and the restart policy applies.
     */
    synchronized List<Job> reconcile(String nodeId, String nodeName, Instant since) {
        List<Job> changed = new ArrayList<>();
        for (Job j : List.copyOf(holding.values())) {
            Instant last = heard.get(j.id());
            if (j.holdsResources() && j.nodeId().equals(nodeId) && (last == null || last.isBefore(since))) {
                if (cancelling.remove(j.id())) {
                    changed.add(save(j.to(JobState.CANCELLED, "cancelled; the agent of " + nodeName
                            + " no longer had the run", clock.instant())));
                } else {
                    changed.add(save(retryOr(j, JobState.LOST, "the agent of " + nodeName + " came back without run "
                            + j.runId())));
                }
            }
        }
        return changed;
    }

    /** The node of these jobs is gone (DOWN, unregistered): they are LOST, then retried as their policy says. */
    synchronized List<Job> nodeLost(String nodeId, String why) {
        List<Job> changed = new ArrayList<>();
        for (Job j : List.copyOf(holding.values())) {
            if (j.holdsResources() && j.nodeId().equals(nodeId)) {
                if (cancelling.remove(j.id())) {
                    changed.add(save(j.to(JobState.CANCELLED, "cancelled; its node " + why, clock.instant())));
                } else {
                    changed.add(save(retryOr(j, JobState.LOST, "node " + why)));
                }
            }
        }
        return changed;
    }

    /**
     * Cancels: a pending job at once; a placed one is marked, and the caller stops its run (the
     * report of its exit settles it as CANCELLED).
     */
    synchronized Job cancel(String id) {
        Job j = jobs.get(id);
        if (j == null) {
            throw new NotFoundException("job", id);
        }
        if (j.state() == JobState.PENDING) {
            notBefore.remove(id);
            return save(j.to(JobState.CANCELLED, "cancelled before it was placed", clock.instant()));
        }
        if (j.holdsResources()) {
            cancelling.add(id);
        }
        return j;
    }

    synchronized boolean cancelling(String id) {
        return cancelling.contains(id);
    }

    /**
     * Forgets ended jobs (final, or LOST with no retry left) past the retention rule: older than {@code maxAge} since they ended, or
     * beyond the newest {@code maxFinished}. Deleted in one transaction.
     *
     * @return the ids forgotten
     */
    synchronized List<String> compact(Duration maxAge, int maxFinished) {
        Instant cutoff = clock.instant().minus(maxAge);
        List<Job> finished = jobs.values().stream().filter(j -> !live(j))
                .sorted(Comparator.comparing(JobBook::endedAt).reversed()).toList();
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < finished.size(); i++) {
            Job j = finished.get(i);
            if (i >= maxFinished || endedAt(j).isBefore(cutoff)) {
                gone.add(j.id());
            }
        }
        if (!gone.isEmpty()) {
            store.deleteJobs(gone);
            gone.forEach(id -> {
                jobs.remove(id);
                specBytes.remove(id);
                heard.remove(id);
                sequence.remove(id);
                notBefore.remove(id);
                cancelling.remove(id);
            });
        }
        return gone;
    }

    static Instant endedAt(Job j) {
        return j.events().isEmpty() ? j.submitted() : j.events().get(j.events().size() - 1).at();
    }

    /** After a failure or loss: PENDING again with a backoff while attempts remain, else the final state. */
    private Job retryOr(Job j, JobState finalState, String why) {
        Instant now = clock.instant();
        int retriesUsed = j.attempt() - 1;
        if (retriesUsed < j.spec().restart().attempts()) {
            Duration backoff = j.spec().restart().backoff().multipliedBy(1L << Math.min(retriesUsed, 10));
            notBefore.put(j.id(), now.plus(backoff));
            Job failed = j.to(finalState, why, now);
            Job again = new Job(failed.id(), failed.spec(), failed.state(), "", List.of(), failed.runId(),
                    failed.attempt(), failed.exitCode(), failed.message(), failed.submitted(), failed.events(),
                    failed.result(), "", null);
            return again.to(JobState.PENDING, "retry " + (retriesUsed + 1) + " of " + j.spec().restart().attempts()
                    + " in " + backoff.toMillis() + " ms", now);
        }
        return j.to(finalState, why, now);
    }

    private Job save(Job j) {
        if (j.spec().runtimeSettings() == LEFT_OUT) {
            throw new IllegalStateException("job " + j.id() + ": a summary would overwrite the stored spec");
        }
        store.save(j);
        put(j);
        changed.accept(j);
        return j;
    }

    /** Pending, or holding resources on a node: a job that may still run, whose spec is kept. */
    static boolean live(Job j) {
        return j.state() == JobState.PENDING || j.holdsResources();
    }

    /** An ended job as kept in memory: all but its runtime settings, the bulk of a spec. */
    static Job summary(Job j) {
        JobSpec s = j.spec();
        if (s.runtimeSettings() == LEFT_OUT) {
            return j;
        }
        JobSpec kept = new JobSpec(s.name(), s.runtime(), LEFT_OUT, s.resources(), s.constraints(), s.priority(),
                s.restart(), s.timeout(), s.labels(), s.needs());
        return new Job(j.id(), kept, j.state(), j.nodeId(), j.gpuIndices(), j.runId(), j.attempt(), j.exitCode(),
                j.message(), j.submitted(), j.events(), j.result(), j.endpoint(), j.progress());
    }

    /** Records the job's new value and keeps the indexes in step with it; the only writer of {@link #jobs}. */
    private void put(Job j) {
        String id = j.id();
        Job old = jobs.get(id);
        boolean wasPending = old != null && old.state() == JobState.PENDING;
        boolean pending = j.state() == JobState.PENDING;
        Queued q = new Queued(j.spec().priority(), sequence.get(id), id);
        if (pending && !wasPending) {
            queue.add(q);
            if (!notBefore.containsKey(id)) {
                fresh.add(id);
            }
        } else if (!pending && wasPending) {
            queue.remove(q);
            fresh.remove(id);
        }
        if (j.holdsResources()) {
            holding.put(id, j);
        } else {
            holding.remove(id);
        }
        if (serving(old) != serving(j) || serving(j) && !j.endpoint().equals(old.endpoint())) {
            servers++;
        }
        boolean wasLive = old != null && live(old);
        if (live(j) && !wasLive) {
            long size = SpecSize.of(j.spec());
            specBytes.put(id, size);
            liveSpecBytes += size;
        } else if (!live(j) && wasLive) {
            Long size = specBytes.remove(id);
            liveSpecBytes -= size == null ? 0 : size;
        }
        jobs.put(id, live(j) ? j : summary(j));
    }

    private static boolean serving(Job j) {
        return j != null && j.state() == JobState.RUNNING && !j.endpoint().isEmpty();
    }
}
