package io.orchion.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.api.node.Gpu;

class AgentPartsTest {
    @TempDir
    Path dir;

    @Test
    void theIdentityIsStableAcrossRestarts() throws IOException {
        String first = Identity.loadOrCreate(dir.resolve("agent"));
        String again = Identity.loadOrCreate(dir.resolve("agent"));
        assertEquals(first, again);
        assertEquals(36, first.length());
    }

    @Test
    void aDamagedIdentityIsRefusedNotReplaced() throws IOException {
        Files.createDirectories(dir.resolve("agent"));
        Files.writeString(dir.resolve("agent/node-id"), "not an id / with spaces");
        IOException e = assertThrows(IOException.class, () -> Identity.loadOrCreate(dir.resolve("agent")));
        assertTrue(e.getMessage().contains("node-id"), e.getMessage());
        assertEquals("not an id / with spaces", Files.readString(dir.resolve("agent/node-id")));
    }

    @Test
    void backoffGrowsExponentiallyWithJitterUpToTheCap() {
        Backoff low = new Backoff(250, 30_000, () -> 0.0);
        Backoff high = new Backoff(250, 30_000, () -> 0.999_999);
        assertEquals(125, low.delayMillis(1));
        assertEquals(249, high.delayMillis(1));
        assertEquals(1000, low.delayMillis(4)); // ceiling 2000
        assertEquals(15_000, low.delayMillis(20)); // capped at 30 s, half of it at the low end
        assertTrue(high.delayMillis(200) <= 30_000);
    }

    @Test
    void labelsParseAndBadOnesNameTheProblem() {
        assertEquals(Map.of("zone", "attic", "gpu", "true"), Labels.parse("zone=attic, gpu=true", "x"));
        var e = assertThrows(IllegalArgumentException.class, () -> Labels.parse("zone", "--label"));
        assertTrue(e.getMessage().contains("--label") && e.getMessage().contains("zone"));
        assertThrows(IllegalArgumentException.class, () -> Labels.parse("bad key=1", "x"));
    }

    @Test
    void nvidiaSmiOutputIsReadFromARealProcess() throws Exception {
        // given an nvidia-smi on this machine that reports two GPUs (a script: no GPU here)
        Path smi = dir.resolve("nvidia-smi");
        Files.writeString(smi, """
                #!/bin/sh
                [ "$1" = "%s" ] || exit 3
                echo "0, NVIDIA GeForce RTX 3090, 24576, GPU-aaaa"
                echo "1, NVIDIA A100-SXM4-80GB, 81920, GPU-bbbb"
                """.formatted(GpuProbe.QUERY));
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwx------"));
        List<Gpu> gpus = GpuProbe.nvidiaSmi(smi.toString());
        assertEquals(List.of(new Gpu(0, "NVIDIA", "NVIDIA GeForce RTX 3090", 24576L << 20, "GPU-aaaa"),
                new Gpu(1, "NVIDIA", "NVIDIA A100-SXM4-80GB", 81920L << 20, "GPU-bbbb")), gpus);
        // and a missing nvidia-smi means no NVIDIA GPUs, not a failure
        assertEquals(List.of(), GpuProbe.nvidiaSmi(dir.resolve("absent").toString()));
        assertEquals(List.of(), GpuProbe.parse("0, Broken GPU, [N/A], x"));
    }

    @Test
    void architecturesAreNormalised() {
        assertEquals("amd64", GpuProbe.arch("x86_64"));
        assertEquals("arm64", GpuProbe.arch("aarch64"));
        assertEquals("arm", GpuProbe.arch("armv7l"));
    }

    @Test
    void aRunsRecordWithItsEnvIsTheOwnersOnly() throws Exception {
        // given an agent with a runtime, whose runs folder does not exist yet
        Path runs = dir.resolve("agent/runs");
        Runs r = new Runs(runs, m -> {
        }, new Outbox(1 << 20, id -> {
        }), 1 << 20);
        r.runtime("stub", new io.orchion.api.runtime.ExecutionRuntime() {
            @Override
            public io.orchion.api.runtime.Fingerprint fingerprint() {
                return new io.orchion.api.runtime.Fingerprint(true, "stub", Map.of());
            }

            @Override
            public io.orchion.api.runtime.RunHandle start(io.orchion.api.runtime.RunRequest request,
                    io.orchion.api.runtime.LogSink logs) {
                return new io.orchion.api.runtime.RunHandle() {
                    @Override
                    public String runId() {
                        return request.runId();
                    }

                    @Override
                    public java.util.concurrent.CompletableFuture<io.orchion.api.runtime.ExitStatus> exit() {
                        return new java.util.concurrent.CompletableFuture<>();
                    }

                    @Override
                    public void stop(java.time.Duration grace) {
                    }
                };
            }

            @Override
            public java.util.Optional<io.orchion.api.runtime.RunHandle> recover(io.orchion.api.runtime.RunRequest request,
                    io.orchion.api.runtime.LogSink logs) {
                return java.util.Optional.empty();
            }
        });
        // when a run whose spec carries a secret in its env is assigned
        r.assign(io.orchion.proto.v1.AssignRun.newBuilder().setJobId("j1").setRunId("run-1").setRuntime("stub")
                .setJobName("j").setSettings(io.orchion.proto.convert.Structs.toStruct(Map.of("env",
                        Map.of("API_KEY", "hunter2"))))
                .build());
        // then its record, its folder and the runs folder are the owner's only
        Path record = runs.resolve("run-1").resolve(Runs.ASSIGNMENT);
        assertTrue(Files.isRegularFile(record), "the run's record is kept");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(record)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(record.getParent())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(runs)));
    }
}
