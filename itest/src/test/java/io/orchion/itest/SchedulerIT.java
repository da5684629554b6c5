package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Switching the scheduling strategy at run time, as an operator does from the shell and conf/. */
class SchedulerIT {
    @TempDir
    Path root;

    static String out(Instance i, String command) {
        try {
            return i.shell(command).out();
        } catch (Exception e) {
            return "";
        }
    }

    static String pluginId(Instance i, String bsn) {
        for (String line : out(i, "orchion:plugins").split("\n")) {
            if (line.contains(bsn)) {
                return line.trim().split("\\s+")[0];
            }
        }
        throw new AssertionError(bsn + " not listed");
    }

    @Test
    void theStrategyIsSwitchedFromTheShellSurvivesARestartFollowsConfAndFallsBack() throws Exception {
        try (Instance up = Instance.up(root, "up").start()) {
            // given the default strategy and the three plugins
            String status = out(up, "orchion:scheduler");
            assertTrue(status.contains("Active strategy:     gpu-aware"), status);
            assertTrue(status.contains("bin-packing, gpu-aware, round-robin"), status);

            // when the operator switches, it applies at once and is written to conf/
            Instance.Shell use = up.shell("orchion:scheduler use bin-packing");
            assertEquals(0, use.status(), use.err());
            assertTrue(use.out().contains("Active strategy:     bin-packing"), use.out());
            assertTrue(Files.readString(up.conf.resolve("io.orchion.scheduler.cfg")).contains("strategy = bin-packing"));
            HttpResponse<String> rest = HttpClient.newHttpClient().send(up.http("/api/scheduler").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(rest.body().contains("\"active\":\"bin-packing\""), rest.body());

            // a strategy that does not exist is refused, naming the ones that do
            Instance.Shell nope = up.shell("orchion:scheduler use best-effort");
            assertEquals(1, nope.status());
            assertTrue(nope.err().contains("'best-effort' is not installed; available: bin-packing, gpu-aware, round-robin"),
                    nope.err());

            // when the active strategy's bundle stops, the default takes over and says why
            String id = pluginId(up, "io.orchion.scheduler.bin-packing");
            assertEquals(0, up.shell("felix:stop " + id).status());
            status = out(up, "orchion:scheduler");
            assertTrue(status.contains("Active strategy:     gpu-aware"), status);
            assertTrue(status.contains("bin-packing is not installed; using the default, gpu-aware"), status);
            up.awaitLog("strategy bin-packing went away", Duration.ofSeconds(5));
            // and when it is back, the operator's choice applies again
            assertEquals(0, up.shell("felix:start " + id).status());
            assertTrue(out(up, "orchion:scheduler").contains("Active strategy:     bin-packing"));

            // an edit of the file in conf/ applies too
            Path tmp = up.conf.resolve("scheduler.tmp");
            Files.writeString(tmp, "strategy = round-robin\n");
            Files.move(tmp, up.conf.resolve("io.orchion.scheduler.cfg"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Instance.await(Duration.ofSeconds(10), () -> out(up, "orchion:scheduler").contains("Active strategy:     round-robin"),
                    () -> "round-robin from conf/");

            // and the choice survives a restart
            up.stop();
            up.start();
            assertTrue(out(up, "orchion:scheduler").contains("Active strategy:     round-robin"));

            // a strategy jar dropped into bundles/ is available at once, and used
            Path jar = up.bundles.resolve("strategy-last.jar");
            Files.copy(Path.of(System.getProperty("orchion.plugin.strategy")), jar);
            Instance.await(Duration.ofSeconds(15), () -> out(up, "orchion:scheduler").contains("last-node"),
                    () -> "last-node to be available");
            assertEquals(0, up.shell("orchion:scheduler use last-node").status());
            Path spec = root.resolve("job.yaml");
            Files.writeString(spec, "name: picked\nruntime: process\nprocess: { command: [\"true\"] }\n");
            String submitted = out(up, "orchion:submit " + spec);
            String jobId = submitted.replaceAll("(?s).*Job:\\s+(\\S+).*", "$1");
            Instance.await(Duration.ofSeconds(20), () -> out(up, "orchion:job " + jobId).contains("by last-node"),
                    () -> "the job to be placed by last-node:\n" + out(up, "orchion:job " + jobId));
            // removing the active strategy's jar falls back to the default and records why
            Files.delete(jar);
            Instance.await(Duration.ofSeconds(15), () -> out(up, "orchion:scheduler")
                    .contains("last-node is not installed; using the default, gpu-aware"), () -> "the fallback");
        }
    }
}
