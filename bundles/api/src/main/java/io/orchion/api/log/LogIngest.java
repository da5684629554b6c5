package io.orchion.api.log;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** Where the control bundle hands the log lines agents ship. */
@ProviderType
public interface LogIngest {

    /**
     * Appends a run's lines in order. {@code runSeq} numbers lines within the run (1, 2, ...): lines
     * at or below the highest stored one are duplicates of a resend and skipped.
     *
     * @param lines the run's lines; {@link LogLine#seq()} holds the run's sequence number
     * @return the highest run sequence number now stored for this run (what the agent may forget)
     */
    long append(String jobId, String runId, List<LogLine> lines);

    /** A line the platform adds to a job's log (stream {@code orchion}), e.g. why a run was restarted. */
    void note(String jobId, String runId, String text);
}
