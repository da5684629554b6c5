package io.orchion.api.job;

import java.util.Collection;

import org.osgi.annotation.versioning.ProviderType;

/** Durable home of jobs and their event histories: a save is on disk when it returns. */
@ProviderType
public interface JobStore {

    void save(Job job);

    /** Saves several jobs in one transaction: all are on disk when it returns, or none. */
    void saveAll(java.util.Collection<Job> jobs);

    Collection<Job> loadJobs();

    /** Forgets finished jobs (retention), in one transaction. */
    void deleteJobs(Collection<String> ids);
}
