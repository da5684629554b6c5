package io.orchion.control.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.orchion.api.Validation;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.scheduler.ResourceRequest;

/** Which runs a node may speak of: its own, never another node's. */
class RunClaimsTest {
    final Map<String, Job> jobs = new HashMap<>();
    Instant now = Instant.parse("2026-12-02T08:00:00Z");
    final InstantSource clock = () -> now;
    final RunClaims claims = new RunClaims(id -> Optional.ofNullable(jobs.get(Validation.jobId("job_id", id))), clock);

    static Job job(String id, String node, String run, JobState state) {
        JobSpec spec = new JobSpec(id, "process", Map.of(), new ResourceRequest(0.1, 0, 0, 0), List.of(), 0,
                RestartPolicy.NONE, null, Map.of());
        return new Job(id, spec, state, node, List.of(), run, 1, null, "", Instant.EPOCH, List.of());
    }

    @Test
    void aNodeMaySpeakOfItsCurrentRunAlsoAfterItEnded() {
        // given a job whose run r1 is on node a
        jobs.put("j-0000000a", job("j-0000000a", "a", "j-0000000a-r1", JobState.RUNNING));
        // then a may speak of it, b may not
        assertTrue(claims.check("a", "j-0000000a", "j-0000000a-r1").allowed());
        RunClaims.Claim b = claims.check("b", "j-0000000a", "j-0000000a-r1");
        assertEquals(RunClaims.Verdict.REFUSED, b.verdict());
        assertTrue(b.why().contains("not assigned to this node"), b.why());
        // and once it ended, late lines of a's run are still a's, for as long as it is the job's last run
        jobs.put("j-0000000a", job("j-0000000a", "a", "j-0000000a-r1", JobState.SUCCEEDED));
        now = now.plus(Duration.ofDays(3));
        assertTrue(claims.check("a", "j-0000000a", "j-0000000a-r1").allowed());
    }

    @Test
    void aJobThatDoesNotExistOrIsNoJobIdIsRefused() {
        RunClaims.Claim missing = claims.check("a", "ghost-12345678", "ghost-12345678-r1");
        assertEquals(RunClaims.Verdict.REFUSED, missing.verdict());
        assertTrue(missing.why().contains("does not exist"), missing.why());
        RunClaims.Claim bad = claims.check("a", "../../etc", "x");
        assertEquals(RunClaims.Verdict.REFUSED, bad.verdict());
        assertTrue(bad.why().contains("is not a job id"), bad.why());
        assertEquals(RunClaims.Verdict.REFUSED, claims.check("a", "", "").verdict());
    }

    @Test
    void anEarlierRunSentToTheNodeIsItsForAGraceAfterTheJobMovedOn() {
        // given run r1 sent to a, then the job placed again on b as r2 (a was cut off)
        jobs.put("j-0000000a", job("j-0000000a", "a", "j-0000000a-r1", JobState.SCHEDULED));
        claims.sent("a", "j-0000000a", "j-0000000a-r1");
        jobs.put("j-0000000a", job("j-0000000a", "b", "j-0000000a-r2", JobState.RUNNING));
        // then a may still report its stale copy (so it can be stopped) and ship its last lines
        assertTrue(claims.check("a", "j-0000000a", "j-0000000a-r1").allowed());
        now = now.plus(RunClaims.GRACE);
        assertTrue(claims.check("a", "j-0000000a", "j-0000000a-r1").allowed());
        // but not after the grace, nor of the run that is b's, nor of r1 under another job's name
        now = now.plusSeconds(1);
        RunClaims.Claim late = claims.check("a", "j-0000000a", "j-0000000a-r1");
        assertEquals(RunClaims.Verdict.REFUSED, late.verdict());
        assertTrue(late.why().contains("moved on"), late.why());
        assertEquals(RunClaims.Verdict.REFUSED, claims.check("a", "j-0000000a", "j-0000000a-r2").verdict());
        jobs.put("k-0000000b", job("k-0000000b", "b", "k-0000000b-r1", JobState.RUNNING));
        assertEquals(RunClaims.Verdict.REFUSED, claims.check("a", "k-0000000b", "j-0000000a-r1").verdict());
    }

    @Test
    void aSendThatFailedOrAForgottenNodeGivesNoClaim() {
        jobs.put("j-0000000a", job("j-0000000a", "b", "j-0000000a-r2", JobState.RUNNING));
        claims.sent("a", "j-0000000a", "j-0000000a-r1");
        claims.unsent("a", "j-0000000a-r1");
        assertEquals(RunClaims.Verdict.REFUSED, claims.check("a", "j-0000000a", "j-0000000a-r1").verdict());
        claims.sent("a", "j-0000000a", "j-0000000a-r1");
        claims.forget("a");
        assertEquals(RunClaims.Verdict.REFUSED, claims.check("a", "j-0000000a", "j-0000000a-r1").verdict());
    }

    @Test
    void aNodeRemembersABoundedNumberOfEarlierRuns() {
        jobs.put("j-0000000a", job("j-0000000a", "b", "j-0000000a-r9999", JobState.RUNNING));
        for (int i = 0; i <= RunClaims.MAX_SENT_PER_NODE; i++) {
            claims.sent("a", "j-0000000a", "j-0000000a-r" + i);
        }
        assertEquals(RunClaims.Verdict.REFUSED, claims.check("a", "j-0000000a", "j-0000000a-r0").verdict(), "the oldest is forgotten");
        assertTrue(claims.check("a", "j-0000000a", "j-0000000a-r" + RunClaims.MAX_SENT_PER_NODE).allowed());
    }

    @Test
    void withoutTheJobServiceOnlyRunsSentToTheNodeCountAndTheRestWaits() {
        RunClaims none = new RunClaims(id -> null, clock);
        none.sent("a", "j-0000000a", "j-0000000a-r1");
        assertTrue(none.check("a", "j-0000000a", "j-0000000a-r1").allowed());
        assertEquals(RunClaims.Verdict.UNKNOWN, none.check("b", "j-0000000a", "j-0000000a-r1").verdict());
    }
}
