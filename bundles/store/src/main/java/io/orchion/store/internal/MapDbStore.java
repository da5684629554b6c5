package io.orchion.store.internal;

import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobStore;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeStore;

/**
 * One MapDB file with transactions: every save is committed (on disk) before it returns. Values
 * are JSON, so a newer Orchion reads what an older one wrote; the file records a schema version
 * and a version this code does not know is refused rather than misread.
 */
final class MapDbStore implements NodeStore, JobStore, AutoCloseable {
    static final int SCHEMA_VERSION = 1;
    static final String FILE_NAME = "orchion.db";
    private static final Logger LOG = LoggerFactory.getLogger(MapDbStore.class);

    /** Files that failed to open in this process, with why: MapDB leaves such a file locked. */
    private static final Map<Path, String> FAILED = new ConcurrentHashMap<>();

    private static final boolean POSIX = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews()
            .contains("posix");

    private final Path file;
    private final DB db;
    private final ConcurrentMap<String, byte[]> nodes;
    private final ConcurrentMap<String, byte[]> jobs;
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    MapDbStore(Path dataDir) {
        this.file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir, io.orchion.api.OwnerOnly.folder());
        } catch (IOException e) {
            throw new StoreException("cannot create the data folder " + dataDir + ": " + e.getMessage());
        }
        String earlier = FAILED.get(file.toAbsolutePath().normalize());
        if (earlier != null) {
            // MapDB keeps the file locked after a failed open: say again what is wrong with the file
            throw new StoreException(earlier);
        }
        DB opened;
        try {
            opened = DBMaker.fileDB(file.toFile()).transactionEnable().closeOnJvmShutdown().make();
        } catch (DBException.FileLocked e) {
            if (e.getCause() instanceof OverlappingFileLockException) {
                throw new StoreException("the data folder " + dataDir
                        + " is in use: its store is open in this process already");
            }
            throw new StoreException("the data folder " + dataDir + " is in use by another Orchion process");
        } catch (DBException | IllegalArgumentException | IllegalStateException e) {
            String why = file + " " + damage(e)
                    + "; move it away (or restore a backup) or point --data at another folder";
            FAILED.put(file.toAbsolutePath().normalize(), why);
            throw new StoreException(why);
        }
        this.db = opened;
        ownerOnly(dataDir);
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> meta = (Map<String, Object>) db.hashMap("meta", Serializer.STRING, Serializer.JAVA)
                    .createOrOpen();
            Object version = meta.get("schema.version");
            if (version == null) {
                meta.put("schema.version", SCHEMA_VERSION);
                db.commit();
            } else if (!Integer.valueOf(SCHEMA_VERSION).equals(version)) {
                throw new StoreException(file + " has store schema version " + version
                        + ", this Orchion reads version " + SCHEMA_VERSION + "; use a matching Orchion release");
            }
            this.nodes = db.hashMap("nodes", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
            this.jobs = db.hashMap("jobs", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        } catch (RuntimeException e) {
            db.close();
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException(file + " is not an Orchion store or is damaged (" + describe(e) + ")");
        }
        LOG.info("store {} open, {} nodes, {} jobs", file, nodes.size(), jobs.size());
    }

    /** What is wrong with a file MapDB could not open, with its size when it is cut short. */
    private String damage(Exception e) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException io) {
            size = -1;
        }
        // cut short: empty, or MapDB's own header followed by too little data; a file that does not
        // start with that header is somebody else's (or damaged), however short it is
        boolean cutShort = size == 0 || e instanceof DBException.VolumeIOError && e.getCause() instanceof EOFException
                && startsWithStoreHeader();
        if (cutShort) {
            return String.format("is truncated: it is %,d bytes and ends before the data its header records", size);
        }
        return "is not an Orchion store or is damaged (" + describe(e) + ", " + String.format("%,d bytes", size) + ")";
    }

    /**
     * The store holds the jobs' env values: its files are the owner's only. MapDB creates them
     * with the process's umask (077 under bin/orchion), so this only tightens a store made otherwise.
     */
    private static void ownerOnly(Path dataDir) {
        if (!POSIX) {
            return;
        }
        try (var files = Files.list(dataDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith(FILE_NAME)).toList()) {
                var perms = Files.getPosixFilePermissions(f);
                if (perms.retainAll(java.util.EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))) {
                    Files.setPosixFilePermissions(f, perms);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot make the store's files owner-only in {}: {}", dataDir, e.getMessage());
        }
    }

    /** MapDB's file header: its format byte ('J') then the store type (3, a direct store), as every store here begins. */
    private static final byte[] HEADER = { 0x4A, 0x03 };

    private boolean startsWithStoreHeader() {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return java.util.Arrays.equals(in.readNBytes(HEADER.length), HEADER);
        } catch (IOException io) {
            return false;
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    Path file() {
        return file;
    }

    /**
     * Copies the store's files (the database and any write-ahead log) into {@code target} while
     * holding the store's lock right after a commit: the copy is one consistent state.
     */
    synchronized long copyTo(Path target) throws IOException {
        db.commit();
        long bytes = 0;
        try (var files = Files.list(file.getParent())) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith(FILE_NAME)).toList()) {
                Files.copy(f, target.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                bytes += Files.size(f);
            }
        }
        return bytes;
    }

    @Override
    public synchronized void save(Node node) {
        try {
            nodes.put(node.id(), json.writeValueAsBytes(node));
            db.commit();
        } catch (IOException e) {
            db.rollback();
            throw new StoreException("cannot encode node " + node.id() + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized void delete(String nodeId) {
        nodes.remove(nodeId);
        db.commit();
    }

    @Override
    public synchronized Collection<Node> loadAll() {
        return decodeAll(nodes, Node.class, "node");
    }

    /** Every record of a map; one that cannot be read is reported and skipped, not fatal. */
    private <T> List<T> decodeAll(Map<String, byte[]> map, Class<T> type, String kind) {
        List<T> all = new ArrayList<>(map.size());
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            try {
                all.add(json.readValue(e.getValue(), type));
            } catch (IOException ex) {
                LOG.warn("skipping unreadable {} record {}: {}", kind, e.getKey(), ex.getMessage());
            }
        }
        return all;
    }

    @Override
    public synchronized void save(Job job) {
        saveAll(List.of(job));
    }

    @Override
    public synchronized void saveAll(Collection<Job> batch) {
        try {
            for (Job job : batch) {
                jobs.put(job.id(), json.writeValueAsBytes(job));
            }
            db.commit();
        } catch (IOException | RuntimeException e) {
            db.rollback();
            throw new StoreException("cannot store " + batch.size() + " jobs: " + e.getMessage());
        }
    }

    @Override
    public synchronized void deleteJobs(Collection<String> ids) {
        try {
            ids.forEach(jobs::remove);
            db.commit();
        } catch (RuntimeException e) {
            db.rollback();
            throw new StoreException("cannot delete " + ids.size() + " jobs: " + e.getMessage());
        }
    }

    @Override
    public synchronized Collection<Job> loadJobs() {
        return decodeAll(jobs, Job.class, "job");
    }

    /** Decodes one record at a time: the caller decides what of each it keeps. */
    @Override
    public synchronized void loadJobs(java.util.function.Consumer<Job> each) {
        for (Map.Entry<String, byte[]> e : jobs.entrySet()) {
            Job job;
            try {
                job = json.readValue(e.getValue(), Job.class);
            } catch (IOException ex) {
                LOG.warn("skipping unreadable job record {}: {}", e.getKey(), ex.getMessage());
                continue;
            }
            each.accept(job);
        }
    }

    @Override
    public synchronized java.util.Optional<Job> loadJob(String id) {
        byte[] bytes = jobs.get(id);
        if (bytes == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(json.readValue(bytes, Job.class));
        } catch (IOException e) {
            throw new StoreException("cannot read job " + id + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (!db.isClosed()) {
            db.close();
        }
    }

    static File fileIn(Path dataDir) {
        return dataDir.resolve(FILE_NAME).toFile();
    }
}
