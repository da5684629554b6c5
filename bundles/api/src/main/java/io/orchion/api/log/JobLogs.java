package io.orchion.api.log;

import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

import io.orchion.api.NotFoundException;

/**
 * Jobs' output as the orchestrator keeps it: stored per job on disk, bounded by a retention
 * limit, read and followed by gRPC, REST and the shell. Following is pull-based: a follower reads
 * after the last sequence number it saw, then waits on {@link #more}; so a slow follower holds no
 * buffer and never slows a job.
 */
@ProviderType
public interface JobLogs {

    /**
     * Lines with {@code seq > afterSeq}, at most {@code limit} of them (and at most about 1 MiB).
     *
     * @throws NotFoundException for an unknown job
     */
    LogChunk read(String jobId, long afterSeq, int limit);

    /** The newest {@code n} lines (for {@code logs -n N}). */
    LogChunk tail(String jobId, int n);

    /**
     * Completes with true when a line newer than {@code afterSeq} is stored, or with false when the
     * log has ended. Completes at once when either is already so.
     */
    CompletableFuture<Boolean> more(String jobId, long afterSeq);
}
