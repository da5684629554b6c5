package io.orchion.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DBMaker;

import io.orchion.api.node.Capabilities;
import io.orchion.api.node.Gpu;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.node.Telemetry;

class MapDbStoreTest {
    @TempDir
    Path dir;

    static Node node(String id) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Capabilities caps = new Capabilities("Test CPU", 8, "amd64", 16L << 30, "Linux",
                List.of(new Gpu(0, "NVIDIA", "RTX 3090", 24L << 30, "GPU-1")), Map.of("zone", "attic"), List.of("process"));
        return new Node(id, "n-" + id, "host-" + id, "127.0.0.1:1", "0.1.0", caps, NodeStatus.READY, true, now, now,
                new Telemetry(0.25, 1L << 30, 16L << 30, now));
    }

    @Test
    void savedNodesSurviveReopening() {
        // given a store with two nodes, one of them deleted again
        try (MapDbStore store = new MapDbStore(dir)) {
            store.save(node("a"));
            store.save(node("b"));
            store.delete("b");
        }
        // when the store is opened again, as after an orchestrator restart
        try (MapDbStore store = new MapDbStore(dir)) {
            // then exactly the saved node is there, field for field
            assertEquals(List.of(node("a")).get(0).capabilities(), store.loadAll().iterator().next().capabilities());
            assertEquals(1, store.loadAll().size());
            assertEquals("a", store.loadAll().iterator().next().id());
            assertTrue(store.loadAll().iterator().next().drained());
        }
    }

    @Test
    void whatANodeAllowsAndWhatAJobNeedsSurviveReopening() {
        // given a node an admin allowed host mounts, and a job that needs them
        Node n = node("a");
        Node allowed = new Node(n.id(), n.name(), n.hostname(), n.agentAddress(), n.agentVersion(), n.capabilities(),
                n.status(), n.drained(), n.registeredAt(), n.lastSeen(), n.telemetry(),
                java.util.Set.of(io.orchion.api.runtime.Allowance.HOST_MOUNTS));
        var spec = new io.orchion.api.job.JobSpec("mount", "docker", Map.of("image", "busybox"),
                new io.orchion.api.scheduler.ResourceRequest(0.5, 256L << 20, 0, 0), List.of(), 100,
                io.orchion.api.job.RestartPolicy.NONE, null, Map.of(),
                java.util.Set.of(io.orchion.api.runtime.Allowance.HOST_MOUNTS));
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        var job = new io.orchion.api.job.Job("mount-0000abcd", spec, io.orchion.api.job.JobState.PENDING, "",
                List.of(), "", 0, null, "queued", t, List.of());
        try (MapDbStore store = new MapDbStore(dir)) {
            store.save(allowed);
            store.save(node("b"));
            store.save(job);
        }
        // when the store is opened again, then both are as saved, and an older record reads as nothing allowed
        try (MapDbStore store = new MapDbStore(dir)) {
            Map<String, Node> byId = new java.util.HashMap<>();
            store.loadAll().forEach(x -> byId.put(x.id(), x));
            assertEquals(allowed.allowed(), byId.get("a").allowed());
            assertEquals(java.util.Set.of(), byId.get("b").allowed());
            assertEquals(spec.needs(), store.loadJobs().iterator().next().spec().needs());
        }
    }

    @Test
    void jobsAndTheirHistoriesSurviveReopening() {
        var spec = new io.orchion.api.job.JobSpec("hello", "process", Map.of("command", List.of("sh", "-c", "echo hi")),
                new io.orchion.api.scheduler.ResourceRequest(0.5, 256L << 20, 0, 0),
                List.of(new io.orchion.api.job.Constraint("arch", List.of("amd64"), null, null)), 100,
                new io.orchion.api.job.RestartPolicy(2, java.time.Duration.ofSeconds(1)), java.time.Duration.ofMinutes(10),
                Map.of("team", "ml"));
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        var job = new io.orchion.api.job.Job("j1", spec, io.orchion.api.job.JobState.PENDING, "", List.of(), "", 0, null,
                "queued", t, List.of(new io.orchion.api.job.JobEvent(t, io.orchion.api.job.JobState.PENDING, "queued")))
                .to(io.orchion.api.job.JobState.SCHEDULED, "placed on n1", t.plusSeconds(1));
        try (MapDbStore store = new MapDbStore(dir)) {
            store.save(job);
        }
        try (MapDbStore store = new MapDbStore(dir)) {
            assertEquals(List.of(job), List.copyOf(store.loadJobs()));
        }
    }

    @Test
    void aForeignFileIsRefusedWithAClearMessage() throws Exception {
        // given a data folder whose store file is not a MapDB file
        Files.writeString(dir.resolve(MapDbStore.FILE_NAME), "this is not a database, it is a shopping list\n".repeat(50));
        // when it is opened, then the refusal names the file
        StoreException e = assertThrows(StoreException.class, () -> new MapDbStore(dir));
        assertTrue(e.getMessage().contains(MapDbStore.FILE_NAME), e.getMessage());
        // and the file was not reset
        assertTrue(Files.readString(dir.resolve(MapDbStore.FILE_NAME)).startsWith("this is not a database"));
    }

    @Test
    void anUnknownSchemaVersionIsRefused() {
        // given a store written by a future Orchion with schema version 99
        var db = DBMaker.fileDB(MapDbStore.fileIn(dir)).transactionEnable().make();
        db.hashMap("meta", org.mapdb.Serializer.STRING, org.mapdb.Serializer.JAVA).createOrOpen().put("schema.version", 99);
        db.commit();
        db.close();
        // when it is opened, then it is refused, naming both versions
        StoreException e = assertThrows(StoreException.class, () -> new MapDbStore(dir));
        assertTrue(e.getMessage().contains("99") && e.getMessage().contains("version 1"), e.getMessage());
    }

    @Test
    void aTruncatedStoreIsReportedAsTruncatedWithItsSizeNotAsInUse() throws Exception {
        // given a store with jobs in it whose file was cut short (a full disk, a bad copy)
        try (MapDbStore store = new MapDbStore(dir)) {
            for (int i = 0; i < 500; i++) {
                store.save(new io.orchion.api.job.Job("j" + i, jobSpec(), io.orchion.api.job.JobState.PENDING, "",
                        List.of(), "", 0, null, "queued", Instant.now(), List.of()));
            }
        }
        Path file = dir.resolve(MapDbStore.FILE_NAME);
        long cut = Files.size(file) / 3;
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(cut);
        }
        // when it is opened, then the refusal says what is wrong with the file, and its size
        StoreException first = assertThrows(StoreException.class, () -> new MapDbStore(dir));
        assertTrue(first.getMessage().contains("truncated"), first.getMessage());
        assertTrue(first.getMessage().contains(String.format("%,d bytes", cut)), first.getMessage());
        assertTrue(first.getMessage().contains(MapDbStore.FILE_NAME), first.getMessage());
        // and when it is opened again in the same process (a component activated again), it still does
        StoreException again = assertThrows(StoreException.class, () -> new MapDbStore(dir));
        assertFalse(again.getMessage().contains("in use"), again.getMessage());
        assertEquals(first.getMessage(), again.getMessage());
    }

    @Test
    void aShortFileThatIsNotAStoreIsNotCalledTruncated() throws Exception {
        // given somebody else's short file where the store would be
        Files.writeString(dir.resolve(MapDbStore.FILE_NAME), "this is a shopping list, not a database\n".repeat(40));
        // then it is refused as not a store, not as a store cut short
        StoreException e = assertThrows(StoreException.class, () -> new MapDbStore(dir));
        assertTrue(e.getMessage().contains("is not an Orchion store or is damaged"), e.getMessage());
        assertFalse(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void anEmptyStoreFileIsReportedAsTruncated() throws Exception {
        Files.createFile(dir.resolve(MapDbStore.FILE_NAME));
        StoreException e = assertThrows(StoreException.class, () -> new MapDbStore(dir));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("0 bytes"), e.getMessage());
    }

    private static io.orchion.api.job.JobSpec jobSpec() {
        return new io.orchion.api.job.JobSpec("hello", "process", Map.of("command", List.of("sh", "-c", "echo hi")),
                new io.orchion.api.scheduler.ResourceRequest(0.5, 256L << 20, 0, 0), List.of(), 100,
                io.orchion.api.job.RestartPolicy.NONE, null, Map.of());
    }

    @Test
    void theStoreAndItsFolderAreTheOwnersOnly() throws Exception {
        // given a data folder that does not exist yet
        Path data = dir.resolve("data");
        // when the store is created and a job saved
        try (MapDbStore store = new MapDbStore(data)) {
            store.save(new io.orchion.api.job.Job("j1", jobSpec(), io.orchion.api.job.JobState.PENDING, "", List.of(),
                    "", 0, null, "queued", Instant.now(), List.of()));
        }
        // then the folder is 0700 and the store file 0600
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions
                .toString(Files.getPosixFilePermissions(data.resolve(MapDbStore.FILE_NAME))));
    }

    @Test
    void aSecondProcessOnTheSameFolderIsRefused() {
        try (MapDbStore first = new MapDbStore(dir)) {
            StoreException e = assertThrows(StoreException.class, () -> new MapDbStore(dir));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
    }

    @Test
    void oneJobIsReadByIdAndAllOfThemOneAtATime() {
        // given two stored jobs
        var spec = new io.orchion.api.job.JobSpec("echo", "process", Map.of("command", List.of("echo", "hi")),
                new io.orchion.api.scheduler.ResourceRequest(0.5, 256L << 20, 0, 0), List.of(), 100,
                io.orchion.api.job.RestartPolicy.NONE, null, Map.of());
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (MapDbStore store = new MapDbStore(dir)) {
            for (String id : List.of("echo-0000000a", "echo-0000000b")) {
                store.save(new io.orchion.api.job.Job(id, spec, io.orchion.api.job.JobState.SUCCEEDED, "", List.of(), "",
                        1, 0, "exit code 0", t, List.of()));
            }
            // when one is read by id, then it comes back whole; an unknown id is empty
            assertEquals(spec, store.loadJob("echo-0000000b").orElseThrow().spec());
            assertTrue(store.loadJob("echo-0000000c").isEmpty());
            // when all are handed over one at a time, then each comes once
            List<String> seen = new java.util.ArrayList<>();
            store.loadJobs(j -> seen.add(j.id()));
            seen.sort(null);
            assertEquals(List.of("echo-0000000a", "echo-0000000b"), seen);
        }
    }
}
