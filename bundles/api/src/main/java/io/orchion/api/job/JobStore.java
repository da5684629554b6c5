package io.orchion.api.job;

import java.util.Collection;
import java.util.Optional;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/** Durable home of jobs and their event histories: a save is on disk when it returns. */
@ProviderType
public interface JobStore {

    void save(Job job);

    /** Saves several jobs in one transaction: all are on disk when it returns, or none. */
    void saveAll(java.util.Collection<Job> jobs);

    Collection<Job> loadJobs();

    /**
     * Every stored job, handed over one at a time, so that a caller keeping only part of each
     * (a summary of an ended job) never holds all of them at once. A store should override it; the
     * default reads them all first.
     */
    default void loadJobs(Consumer<Job> each) {
        loadJobs().forEach(each);
    }

    /**
     * One stored job as last saved, e.g. the full spec of an ended job whose summary is all that
     * is kept in memory. A store should override it; the default reads every job.
     *
     * @return empty if no job with that id is stored
     */
    default Optional<Job> loadJob(String id) {
        return loadJobs().stream().filter(j -> j.id().equals(id)).findFirst();
    }

    /** Forgets finished jobs (retention), in one transaction. */
    void deleteJobs(Collection<String> ids);
}
