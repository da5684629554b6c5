package io.orchion.store.internal;

import java.nio.file.Path;
import java.util.Collection;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.Orchion;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobStore;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeStore;

/** Publishes the MapDB store of the instance's data folder ({@code orchion.data}): nodes and jobs. */
@Component(service = { NodeStore.class, JobStore.class })
public class StoreComponent implements NodeStore, JobStore {
    private static final Logger LOG = LoggerFactory.getLogger(StoreComponent.class);
    private final MapDbStore store;

    @Activate
    public StoreComponent(BundleContext context) {
        String data = context.getProperty(Orchion.DATA_DIR);
        Path dir = Path.of(data == null ? "data" : data).toAbsolutePath();
        try {
            this.store = new MapDbStore(dir);
        } catch (StoreException e) {
            LOG.error("store: {}", e.getMessage());
            stopFramework(context, e.getMessage());
            throw e;
        }
    }

    /** An orchestrator without its store cannot work: say why and stop, rather than run half-way. */
    static void stopFramework(BundleContext context, String message) {
        System.setProperty(Orchion.FATAL, message);
        Thread stopper = new Thread(() -> {
            try {
                context.getBundle(0).stop();
            } catch (Exception ignored) {
                // already stopping
            }
        }, "orchion-fatal");
        stopper.start();
    }

    @Deactivate
    void close() {
        store.close();
    }

    @Override
    public void save(Node node) {
        store.save(node);
    }

    @Override
    public void delete(String nodeId) {
        store.delete(nodeId);
    }

    @Override
    public Collection<Node> loadAll() {
        return store.loadAll();
    }

    @Override
    public void save(Job job) {
        store.save(job);
    }

    @Override
    public void saveAll(Collection<Job> jobs) {
        store.saveAll(jobs);
    }

    @Override
    public void deleteJobs(Collection<String> ids) {
        store.deleteJobs(ids);
    }

    @Override
    public Collection<Job> loadJobs() {
        return store.loadJobs();
    }
}
