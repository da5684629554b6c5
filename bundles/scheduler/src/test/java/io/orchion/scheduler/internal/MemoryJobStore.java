package io.orchion.scheduler.internal;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobStore;

/** A job store in memory that counts the transactions and the single-job reads the book makes. */
final class MemoryJobStore implements JobStore {
    final Map<String, Job> stored = new LinkedHashMap<>();
    int reads;
    int commits;

    @Override
    public void save(Job job) {
        stored.put(job.id(), job);
        commits++;
    }

    @Override
    public void saveAll(Collection<Job> jobs) {
        jobs.forEach(j -> stored.put(j.id(), j));
        commits++;
    }

    @Override
    public Collection<Job> loadJobs() {
        return List.copyOf(stored.values());
    }

    @Override
    public Optional<Job> loadJob(String id) {
        reads++;
        return Optional.ofNullable(stored.get(id));
    }

    @Override
    public void deleteJobs(Collection<String> ids) {
        ids.forEach(stored::remove);
    }
}
