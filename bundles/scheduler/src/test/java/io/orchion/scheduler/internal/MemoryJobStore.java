package io.orchion.scheduler.internal;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobStore;

/** A job store in memory that counts the single-job reads the book makes. */
final class MemoryJobStore implements JobStore {
    final Map<String, Job> stored = new LinkedHashMap<>();
    int reads;

    @Override
    public void save(Job job) {
        stored.put(job.id(), job);
    }

    @Override
    public void saveAll(Collection<Job> jobs) {
        jobs.forEach(this::save);
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
