package io.orchion.api.job;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;

/** Submit, list, show and cancel jobs: what the shell, REST and gRPC offer. */
@ProviderType
public interface JobService {

    /**
     * Accepts a parsed spec: stored as PENDING (on disk) before this returns.
     *
     * @throws InvalidArgumentException naming the field (e.g. a runtime no node offers)
     * @throws io.orchion.api.LimitExceededException when too many jobs are live (pending or placed)
     */
    Job submit(JobSpec spec);

    /**
     * All jobs, newest first. An ended job comes as a summary: its spec without its runtime
     * settings, which stay in the store ({@link #job} has them).
     */
    List<Job> jobs();

    /**
     * The jobs a query asks for, newest first, one page at a time. The node filter takes a node's
     * id or display name; a name no node has matches no job.
     *
     * @throws InvalidArgumentException naming {@code pageToken} for a token this service did not
     *                                  give out, or one whose job has since been forgotten
     */
    JobPage jobs(JobQuery query);

    /**
     * The job with this id, whole; empty for an unknown or empty id.
     *
     * @throws io.orchion.api.InvalidArgumentException for a malformed id (see {@link io.orchion.api.Validation})
     */
    Optional<Job> job(String id);

    /**
     * Cancels a job: a pending one at once, a running one by stopping its run.
     *
     * @throws NotFoundException for an unknown id
     * @throws io.orchion.api.InvalidArgumentException for a malformed id
     */
    Job cancel(String id);
}
