package io.orchion.fuzz;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobStore;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeStore;

/** Node and job stores in memory: the REST fuzzer tests the API, not MapDB. */
final class MemoryStores implements NodeStore, JobStore {
    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    MemoryStores(List<Job> initialJobs) {
        initialJobs.forEach(this::save);
    }

    @Override
    public void save(Node node) {
        nodes.put(node.id(), node);
    }

    @Override
    public void delete(String nodeId) {
        nodes.remove(nodeId);
    }

    @Override
    public Collection<Node> loadAll() {
        return List.copyOf(nodes.values());
    }

    @Override
    public void save(Job job) {
        jobs.put(job.id(), job);
    }

    @Override
    public void saveAll(Collection<Job> all) {
        all.forEach(this::save);
    }

    @Override
    public Collection<Job> loadJobs() {
        return List.copyOf(jobs.values());
    }

    @Override
    public void deleteJobs(Collection<String> ids) {
        ids.forEach(jobs::remove);
    }
}
