package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.ManagedChannel;
import io.orchion.proto.v1.GetJobRequest;
import io.orchion.proto.v1.JobsGrpc;
import io.orchion.proto.v1.ListJobsRequest;

/** What an instance keeps on its disk: who may read it, what a viewer is shown, and how much a run may spool. */
class DataAtRestIT {
    private static final String SECRET = "hunter2-at-rest";
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    @TempDir
    Path root;
    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> get(Instance up, String path, String token) throws Exception {
        return http.send(up.http(path).setHeader("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    String token(Instance up, String role) throws Exception {
        Instance.Shell sh = up.shell("orchion:token create --role " + role + " --name " + role + "-at-rest");
        Matcher m = SecurityIT.API_TOKEN.matcher(sh.out());
        assertTrue(sh.status() == 0 && m.find(), sh.out() + sh.err());
        return m.group();
    }

    static String state(String json) {
        Matcher m = java.util.regex.Pattern.compile("\"state\":\"([A-Z_]+)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    @Test
    void theDataFolderIsTheOwnersOnlyAndAViewerSeesNoEnvValue() throws Exception {
        try (Instance up = Instance.up(root, "up")) {
            // given a data folder an older release left readable by everyone
            Files.createDirectories(up.data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Files.setPosixFilePermissions(up.data, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path old = Files.writeString(up.data.resolve("left-by-an-older-release.txt"), "x");
            Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-r--r--"));
            up.start();
            String viewer = token(up, "viewer");
            String operator = token(up, "operator");

            // when a job whose env holds a secret runs
            HttpResponse<String> created = http.send(up.http("/api/jobs").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"secret-env\", \"runtime\": \"process\", "
                            + "\"process\": {\"command\": [\"sh\", \"-c\", \"echo started; exec sleep 60\"], "
                            + "\"env\": {\"API_KEY\": \"" + SECRET + "\"}}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
            String id = JobsApiIT.id(created.body());
            Instance.await(Duration.ofSeconds(30), () -> {
                try {
                    return state(get(up, "/api/jobs/" + id, operator).body()).equals("RUNNING");
                } catch (Exception e) {
                    return false;
                }
            }, () -> "the job to run");
            Instance.await(Duration.ofSeconds(30), () -> Files.isDirectory(up.data.resolve("logs").resolve(id)),
                    () -> "the job's first line in its log");

            // then every folder and file of the data folder is the owner's only, the run's record included
            List<Path> open = new ArrayList<>();
            List<Path> all;
            try (var walk = Files.walk(up.data)) {
                all = walk.toList();
            }
            assertFalse(all.isEmpty());
            for (Path p : all) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                if (perms.stream().anyMatch(GROUP_OR_OTHER::contains)) {
                    open.add(p);
                }
            }
            assertEquals(List.of(), open, "readable by others than the owner");
            List<String> names = all.stream().map(p -> up.data.relativize(p).toString())
                    .filter(n -> !n.startsWith("cache/")).toList();
            for (String expected : List.of("orchion.db", "security/ca.key", "audit/audit.jsonl")) {
                assertTrue(names.contains(expected), expected + " is among " + names);
            }
            assertTrue(names.stream().anyMatch(n -> n.matches("agent/runs/[^/]+/assign\\.pb")), "a run's record: " + names);
            assertTrue(names.stream().anyMatch(n -> n.startsWith("logs/")), "job logs: " + names);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(up.data)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(old)));

            // and a viewer sees the env's keys, not its values, over REST and gRPC; an operator sees them
            for (String path : List.of("/api/jobs/" + id, "/api/jobs")) {
                HttpResponse<String> asViewer = get(up, path, viewer);
                assertEquals(200, asViewer.statusCode(), asViewer.body());
                assertTrue(asViewer.body().contains("API_KEY") && asViewer.body().contains("(redacted)"), asViewer.body());
                assertFalse(asViewer.body().contains(SECRET), path + " as viewer: " + asViewer.body());
                HttpResponse<String> asOperator = get(up, path, operator);
                assertTrue(asOperator.body().contains(SECRET), path + " as operator: " + asOperator.body());
                // the printed-JSON cache keeps the two forms apart: asked again, the viewer still sees none
                assertFalse(get(up, path, viewer).body().contains(SECRET), path + " as viewer, again");
            }
            ManagedChannel asViewer = up.channel(viewer);
            ManagedChannel asOperator = up.channel(operator);
            try {
                var v = JobsGrpc.newBlockingStub(asViewer).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);
                String one = v.getJob(GetJobRequest.newBuilder().setJobId(id).build()).getSpec().toString();
                String list = v.listJobs(ListJobsRequest.getDefaultInstance()).toString();
                assertTrue(one.contains("API_KEY") && one.contains("(redacted)"), one);
                assertFalse(one.contains(SECRET), one);
                assertTrue(list.contains("API_KEY"), list);
                assertFalse(list.contains(SECRET), list);
                var o = JobsGrpc.newBlockingStub(asOperator).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(o.getJob(GetJobRequest.newBuilder().setJobId(id).build()).getSpec().toString().contains(SECRET));
            } finally {
                asViewer.shutdownNow();
                asOperator.shutdownNow();
            }
            assertEquals(200, http.send(up.http("/api/jobs/" + id).DELETE().build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
        }
    }

    @Test
    void aRunFloodingItsOutputStaysUnderTheSpoolBoundAndItsLogSaysLinesWereDropped() throws Exception {
        Instance flood = Instance.up(root, "flood");
        // the job's log keeps all that is shipped (its default keeps the newest 16 MiB): lines shipped
        // after the last note of dropped lines must not rotate the note away before it is read here
        Files.writeString(flood.conf.resolve("io.orchion.logs.cfg"), "max.bytes.per.job = 1073741824\n");
        try (Instance up = flood.start()) {
            // given a run that writes about 400 MB of 500-byte lines as fast as it can
            AtomicLong most = new AtomicLong();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Path runs = up.data.resolve("agent/runs");
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    most.accumulateAndGet(diskUse(runs), Math::max);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "spool-sampler");
            sampler.start();
            HttpResponse<String> created = http.send(up.http("/api/jobs").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"flood\", \"runtime\": \"process\", "
                            + "\"process\": {\"command\": [\"sh\", \"-c\", "
                            + "\"yes $(printf %0499d 0) | head -n 800000\"]}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
            String id = JobsApiIT.id(created.body());

            // when it has run to its end
            Instance.await(Duration.ofSeconds(120), () -> {
                try {
                    return state(http.send(up.http("/api/jobs/" + id).GET().build(), HttpResponse.BodyHandlers.ofString())
                            .body()).equals("SUCCEEDED");
                } catch (Exception e) {
                    return false;
                }
            }, () -> "the flood to end");
            sampling.set(false);
            sampler.join();

            // then its spool on the agent's disk stayed near the default bound (64 MiB) instead of taking
            // all 400 MB: the agent checks it every 10 ms, and in this all-in-one JVM, collecting the
            // garbage of the flood it ingests, a check can come a few hundred ms late at 400 MB/s
            assertTrue(most.get() > 0, "the spool was sampled");
            assertTrue(most.get() <= 2 * (64L << 20), "the spool took " + most.get() + " bytes");
            // and its log says that lines were dropped, and how many
            String log;
            try (var segments = Files.list(up.data.resolve("logs").resolve(id))) {
                StringBuilder all = new StringBuilder();
                for (Path s : segments.toList()) {
                    all.append(Files.readString(s));
                }
                log = all.toString();
            }
            assertTrue(java.util.regex.Pattern.compile("\\[orchion\\] about [0-9,]+ lines \\([0-9,]+ bytes\\) of stdout dropped")
                    .matcher(log).find(), "no note of dropped lines in the job's log");
        }
    }

    /** The disk space a folder takes (allocated blocks, as du counts them). */
    private static long diskUse(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try {
            Process du = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
            String out = new String(du.getInputStream().readAllBytes()).trim();
            du.waitFor();
            return Long.parseLong(out.split("\\s+")[0]);
        } catch (Exception e) {
            return 0; // the folder changed while du walked it
        }
    }
}
