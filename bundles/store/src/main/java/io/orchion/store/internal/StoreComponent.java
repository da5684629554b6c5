package io.orchion.store.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.Backup;
import io.orchion.api.InvalidArgumentException;
import io.orchion.api.Orchion;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobStore;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeStore;

/** Publishes the MapDB store of the instance's data folder ({@code orchion.data}): nodes and jobs. */
@Component(service = { NodeStore.class, JobStore.class, Backup.class })
public class StoreComponent implements NodeStore, JobStore, Backup {
    private static final Logger LOG = LoggerFactory.getLogger(StoreComponent.class);
    private final MapDbStore store;
    private final Path dataDir;

    @Activate
    public StoreComponent(BundleContext context) {
        String data = context.getProperty(Orchion.DATA_DIR);
        Path dir = Path.of(data == null ? "data" : data).toAbsolutePath();
        this.dataDir = dir;
        try {
            this.store = new MapDbStore(dir);
        } catch (StoreException e) {
            LOG.error("store: {}", e.getMessage());
            // an orchestrator without its store cannot work: say why and stop, rather than run half-way
            Orchion.stopInstance(context, e.getMessage());
            throw e;
        }
    }

    @Override
    public String backupTo(Path target) {
        Path t = target.toAbsolutePath().normalize();
        if (t.startsWith(dataDir)) {
            throw new InvalidArgumentException("path", t + " is inside the data folder " + dataDir);
        }
        try {
            if (Files.exists(t) && (!Files.isDirectory(t) || hasEntries(t))) {
                throw new InvalidArgumentException("path", t + " exists and is not an empty folder");
            }
            Files.createDirectories(t);
            long storeBytes = store.copyTo(t);
            // logs are append-only: a line written during the copy is either whole or cut at a
            // record boundary, which the log store repairs when it opens the copy
            long[] logBytes = { 0 };
            // the certificate authority, the token hashes and the audit log go along: a restore
            // without the CA would lock out every joined node (these folders stay owner-only)
            for (String folder : new String[] { "logs", "security", "audit" }) {
                Path from = dataDir.resolve(folder);
                if (!Files.isDirectory(from)) {
                    continue;
                }
                try (var walk = Files.walk(from)) {
                    for (Path p : walk.toList()) {
                        if (p.getFileName().toString().endsWith(".tmp")) {
                            continue;
                        }
                        Path to = t.resolve(dataDir.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(to);
                            if (!folder.equals("logs")) {
                                io.orchion.api.OwnerOnly.folder(to);
                            }
                        } else {
                            Files.copy(p, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                            if (folder.equals("logs")) {
                                logBytes[0] += Files.size(to);
                            }
                        }
                    }
                }
            }
            Files.writeString(t.resolve("BACKUP.txt"), "Orchion backup of " + dataDir + " at " + java.time.Instant.now()
                    + "\nStart from it with: bin/orchion up --data " + t
                    + "\nIt holds the certificate authority's private key (security/): keep it as safe as the data folder.\n");
            String what = String.format("backup written to %s: store %,d bytes, logs %,d bytes", t, storeBytes, logBytes[0]);
            LOG.info(what);
            return what;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("backup to " + t + " failed: " + e.getMessage(), e);
        }
    }


    private static boolean hasEntries(Path dir) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
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

    @Override
    public void loadJobs(java.util.function.Consumer<Job> each) {
        store.loadJobs(each);
    }

    @Override
    public java.util.Optional<Job> loadJob(String id) {
        return store.loadJob(id);
    }
}
