package io.orchion.control.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.job.Job;

/**
 * Which runs a node may speak of on its stream: its logs, run updates, results and usage must be
 * about a run that was assigned to that node, never another node's.
 *
 * <p>A node may speak of a run when
 * <ul>
 * <li>the job's current (or last) run is that run, on that node: also after the run ended, as long
 * as it is the job's latest run there, and after an orchestrator or agent restart (the job book is
 * stored, so a recovered run the agent re-announces is still its own); or</li>
 * <li>this orchestrator sent that run to that node earlier and the job has moved on since (placed
 * again elsewhere while the node was cut off, or retried): for {@link #GRACE} after the node first
 * spoke of it as superseded, so late lines and the exit of a copy being stopped still arrive.</li>
 * </ul>
 * Everything else (another node's run, a job that does not exist, a made-up run id) is refused.
 *
 * <p>Memory is bounded: at most {@link #MAX_SENT_PER_NODE} earlier runs are remembered per node,
 * the oldest forgotten first, and a node's are dropped when it is unregistered. Thread-safe.
 */
final class RunClaims {
    /** How long a node may still speak of a run of its own after the job has moved on. */
    static final Duration GRACE = Duration.ofMinutes(5);
    static final int MAX_SENT_PER_NODE = 1024;

    /** What a node may do with a message about a run. */
    enum Verdict {
        /** The run is the node's: store or apply the message. */
        ALLOWED,
        /** The run is not the node's: drop the message, and record the refusal. */
        REFUSED,
        /** The job service is not there to ask (starting or stopping): not now, ask again later. */
        UNKNOWN
    }

    /** A verdict and, for a refusal, why (for the audit log). */
    record Claim(Verdict verdict, String why) {
        boolean allowed() {
            return verdict == Verdict.ALLOWED;
        }
    }

    private static final Claim ALLOWED = new Claim(Verdict.ALLOWED, "");

    /** A run sent to a node; {@code superseded} is set when the node first speaks of it after the job moved on. */
    private static final class Sent {
        final String jobId;
        Instant superseded;

        Sent(String jobId) {
            this.jobId = jobId;
        }
    }

    /** The job service's lookup; null when there is no job service. */
    private final Function<String, Optional<Job>> jobs;
    private final InstantSource clock;
    /** node id -> run id -> what was sent, oldest first. */
    private final Map<String, LinkedHashMap<String, Sent>> sent = new HashMap<>();

    RunClaims(Function<String, Optional<Job>> jobs, InstantSource clock) {
        this.jobs = jobs;
        this.clock = clock;
    }

    /** The run was sent to the node (called before the send, so a fast answer finds it). */
    synchronized void sent(String nodeId, String jobId, String runId) {
        LinkedHashMap<String, Sent> runs = sent.computeIfAbsent(nodeId, k -> new LinkedHashMap<>());
        runs.remove(runId);
        runs.put(runId, new Sent(jobId));
        while (runs.size() > MAX_SENT_PER_NODE) {
            runs.remove(runs.keySet().iterator().next());
        }
    }

    /** The send failed after all: the node never got the run. */
    synchronized void unsent(String nodeId, String runId) {
        LinkedHashMap<String, Sent> runs = sent.get(nodeId);
        if (runs != null) {
            runs.remove(runId);
        }
    }

    /** The node is gone (unregistered): nothing it was sent counts any more. */
    synchronized void forget(String nodeId) {
        sent.remove(nodeId);
    }

    /** Whether {@code nodeId} may speak of run {@code runId} of job {@code jobId}. */
    Claim check(String nodeId, String jobId, String runId) {
        if (jobId.isEmpty() || runId.isEmpty()) {
            return refused("no job id or run id");
        }
        Optional<Job> job;
        try {
            job = jobs.apply(jobId);
        } catch (InvalidArgumentException notAnId) {
            return refused("'" + shown(jobId) + "' is not a job id");
        }
        if (job != null && job.isPresent() && nodeId.equals(job.get().nodeId()) && runId.equals(job.get().runId())) {
            return ALLOWED; // the job's current or last run, on this node
        }
        synchronized (this) {
            LinkedHashMap<String, Sent> runs = sent.get(nodeId);
            Sent s = runs == null ? null : runs.get(runId);
            if (s != null && s.jobId.equals(jobId)) {
                Instant now = clock.instant();
                if (job == null) {
                    return ALLOWED; // no job service to ask: it was sent here, that is enough
                }
                if (s.superseded == null) {
                    s.superseded = now;
                }
                if (!now.isAfter(s.superseded.plus(GRACE))) {
                    return ALLOWED;
                }
                return refused("run " + shown(runId) + " of job " + shown(jobId) + " was assigned to this node, but the job"
                        + " moved on more than " + GRACE.toMinutes() + " minutes ago");
            }
        }
        if (job == null) {
            return new Claim(Verdict.UNKNOWN, "the job service is not available");
        }
        if (job.isEmpty()) {
            return refused("job " + shown(jobId) + " does not exist");
        }
        return refused("run " + shown(runId) + " of job " + shown(jobId) + " is not assigned to this node");
    }

    private static Claim refused(String why) {
        return new Claim(Verdict.REFUSED, why);
    }

    /** At most 80 characters of what a node sent, for a log or audit line. */
    static String shown(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        StringBuilder b = new StringBuilder(t.length());
        t.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return b.toString();
    }
}
