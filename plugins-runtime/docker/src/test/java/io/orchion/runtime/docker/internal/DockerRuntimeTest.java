package io.orchion.runtime.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.model.Container;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.Allowance;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;
import io.orchion.api.scheduler.ResourceRequest;

/**
 * Against the real Docker engine that {@code .ci/docker-up} starts (image orchion-test/busybox:1,
 * built from Debian's busybox: no registry is reachable here). Set -Dorchion.tests.docker=off to
 * skip them on a machine without an engine.
 */
class DockerRuntimeTest {
    static final String IMAGE = "orchion-test/busybox:1";
    static final String HOST = System.getProperty("orchion.docker.host", "unix:///var/run/docker.sock");
    DockerRuntime runtime;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<String> progress = new CopyOnWriteArrayList<>();
    final LogSink sink = new LogSink() {
        @Override
        public void line(String stream, String text) {
            lines.add(stream + ":" + text);
        }

        @Override
        public void progress(String activity, long done, long total) {
            progress.add(activity);
        }
    };

    @BeforeEach
    void engine() {
        assumeFalse("off".equals(System.getProperty("orchion.tests.docker")), "Docker tests switched off");
        runtime = new DockerRuntime(HOST, Duration.ofSeconds(2), Duration.ofSeconds(30), true);
        Fingerprint f = runtime.fingerprint();
        assertTrue(f.healthy(), "these tests need a Docker engine (start one with .ci/docker-up): " + f.detail());
    }

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.deactivate();
        }
    }

    /** A run; the local test image is never pulled (no engine here may reach a public registry). */
    static RunRequest run(String id, Map<String, Object> settings, double cpu, long memory, Duration timeout) {
        if (IMAGE.equals(settings.get("image")) && !settings.containsKey("pull")) {
            Map<String, Object> local = new java.util.HashMap<>(settings);
            local.put("pull", "never");
            settings = Map.copyOf(local);
        }
        return new RunRequest(id + "-" + System.nanoTime(), "test-" + id, settings, new ResourceRequest(cpu, memory, 0, 0),
                List.of(), timeout, null);
    }

    static Map<String, Object> sh(String script) {
        return Map.of("image", IMAGE, "command", List.of("sh", "-c", script));
    }

    static ExitStatus await(RunHandle h) throws Exception {
        return h.exit().get(60, TimeUnit.SECONDS);
    }

    List<Container> containersOf(RunRequest r) {
        return runtime.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerRuntime.RUN_LABEL, r.runId())).exec();
    }

    @Test
    void theFingerprintNamesTheEngine() {
        Fingerprint f = runtime.fingerprint();
        assertTrue(f.detail().startsWith("Docker Engine "), f.detail());
        assertFalse(f.attributes().get("version").isBlank());
    }

    @Test
    void aContainerRunsWithItsLimitsAndItsOutputInOrder() throws Exception {
        RunRequest r = run("limits", sh("echo one; echo two; echo oops >&2; sleep 2; exit 3"), 0.5, 64L << 20, null);
        RunHandle h = runtime.start(r, sink);
        h.started().get(30, TimeUnit.SECONDS);
        // the engine holds the limits the job asked for, and the run's label
        List<Container> mine = containersOf(r);
        assertEquals(1, mine.size());
        var host = runtime.client().inspectContainerCmd(mine.get(0).getId()).exec().getHostConfig();
        assertEquals(64L << 20, host.getMemory());
        assertEquals(500_000_000L, host.getNanoCPUs());
        assertEquals(new ExitStatus(3, "exited"), await(h));
        assertEquals(List.of("stdout:one", "stdout:two"), lines.stream().filter(l -> l.startsWith("stdout")).toList());
        assertTrue(lines.contains("stderr:oops"), lines.toString());
        assertTrue(containersOf(r).isEmpty(), "removed once its exit is recorded");
    }

    @Test
    void aContainerPastItsMemoryLimitIsKilledAndSaysSo() throws Exception {
        RunRequest r = run("oom", sh("a=$(head -c 100000000 /dev/zero | tr '\\0' x); echo ${#a}"), 0, 32L << 20, null);
        ExitStatus s = await(runtime.start(r, sink));
        assertEquals(137, s.code());
        assertTrue(s.reason().startsWith("OOMKilled"), s.reason());
    }

    @Test
    void stoppingEndsTheContainerAndATimeoutSaysSo() throws Exception {
        RunHandle h = runtime.start(run("stop", sh("sleep 600"), 0, 0, null), sink);
        h.started().get(30, TimeUnit.SECONDS);
        h.stop(Duration.ofSeconds(1));
        assertEquals("stopped", await(h).reason());
        RunHandle t = runtime.start(run("timeout", sh("sleep 600"), 0, 0, Duration.ofSeconds(1)), sink);
        assertEquals("timeout", await(t).reason());
    }

    @Test
    void anImageThatCannotBePulledFailsWithAReason() throws Exception {
        // a registry on a closed loopback port: the engine's pull fails at once, and nothing leaves the machine
        RunHandle h = runtime.start(run("nopull", Map.of("image", "127.0.0.1:9/orchion-test/missing:1"), 0, 0, null), sink);
        ExecutionException e = assertThrows(ExecutionException.class, () -> h.started().get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("cannot be pulled"), e.getCause().getMessage());
        assertEquals(-1, await(h).code());
        RunHandle never = runtime.start(run("never", Map.of("image", "orchion-test/missing:1", "pull", "never"), 0, 0, null),
                sink);
        assertTrue(await(never).reason().contains("pull: never"));
    }

    @Test
    void aCommandThatIsNotInTheImageFailsWithTheEnginesReason() throws Exception {
        RunRequest r = run("nocmd", Map.of("image", IMAGE, "command", List.of("no-such-program")), 0, 0, null);
        RunHandle h = runtime.start(r, sink);
        ExecutionException e = assertThrows(ExecutionException.class, () -> h.started().get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("no-such-program"), e.getCause().getMessage());
        await(h);
        assertTrue(containersOf(r).isEmpty(), "the container that could not start is removed");
    }

    @Test
    void badSettingsAreRefusedNamingTheField() {
        InvalidArgumentException noImage = assertThrows(InvalidArgumentException.class,
                () -> runtime.start(run("bad", Map.of(), 0, 0, null), sink));
        assertEquals("docker.image", noImage.field());
        InvalidArgumentException badPort = assertThrows(InvalidArgumentException.class, () -> runtime.start(
                run("bad", Map.of("image", IMAGE, "ports", List.of(Map.of("container", 70000))), 0, 0, null), sink));
        assertEquals("docker.ports.container", badPort.field());
    }

    @Test
    void anUnreachableEngineIsUnhealthyAndARunFailsWithAReason() throws Exception {
        DockerRuntime none = new DockerRuntime("unix:///nonexistent/docker.sock", Duration.ofSeconds(1),
                Duration.ofSeconds(5), true);
        try {
            Fingerprint f = none.fingerprint();
            assertFalse(f.healthy());
            assertTrue(f.detail().contains("no Docker engine at unix:///nonexistent/docker.sock"), f.detail());
            RunHandle h = none.start(run("unreachable", sh("true"), 0, 0, null), sink);
            ExecutionException e = assertThrows(ExecutionException.class, () -> h.started().get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("cannot reach the Docker engine"), e.getCause().getMessage());
        } finally {
            none.deactivate();
        }
    }

    @Test
    void aRestartedAgentFindsItsContainerInsteadOfStartingAnother() throws Exception {
        RunRequest r = run("recover", sh("echo before; sleep 3; echo after"), 0, 0, null);
        RunHandle first = runtime.start(r, sink);
        first.started().get(30, TimeUnit.SECONDS);
        // a new runtime instance (the agent restarted) looks for the run by its label
        DockerRuntime after = new DockerRuntime(HOST, Duration.ofSeconds(2), Duration.ofSeconds(30), true);
        List<String> again = new CopyOnWriteArrayList<>();
        try {
            RunHandle found = after.recover(r, (s, t) -> again.add(t)).orElseThrow();
            assertEquals(1, containersOf(r).size(), "one container, not two");
            assertEquals(0, await(found).code());
            // its output from the start: the orchestrator skips the lines it already has
            assertEquals(List.of("before", "after"), again);
            assertTrue(after.recover(run("never-ran", sh("true"), 0, 0, null), (s, t) -> { }).isEmpty());
        } finally {
            after.deactivate();
        }
        try {
            first.exit().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | CompletionException ignored) {
            // the first handle may see the container vanish
        }
    }

    static RunRequest allowed(RunRequest r, Set<Allowance> allowed) {
        return new RunRequest(r.runId(), r.jobName(), r.settings(), r.resources(), r.gpuIndices(), r.timeout(),
                r.stateDir(), allowed);
    }

    @Test
    void aPrivilegedContainerOrAHostMountIsRefusedWhereTheNodeDoesNotAllowIt() throws Exception {
        // given runs that ask for a privileged container and for a host folder, on a node allowing neither
        Map<String, Object> privileged = Map.of("image", IMAGE, "command", List.of("true"), "privileged", true);
        Map<String, Object> mount = Map.of("image", IMAGE, "command", List.of("cat", "/host/passwd"), "volumes",
                List.of(Map.of("source", "/etc", "target", "/host", "readOnly", true)));
        for (RunRequest r : List.of(run("priv", privileged, 0, 0, null), run("mount", mount, 0, 0, null),
                allowed(run("mount2", mount, 0, 0, null), Set.of(Allowance.PRIVILEGED)))) {
            // when they start, then they fail before any container exists, saying what is missing
            RunHandle h = runtime.start(r, sink);
            ExecutionException e = assertThrows(ExecutionException.class, () -> h.started().get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().startsWith("this node does not allow "), e.getCause().getMessage());
            assertEquals(-1, await(h).code());
            assertTrue(containersOf(r).isEmpty(), "no container was created");
        }
        RunHandle h = runtime.start(run("priv", privileged, 0, 0, null), sink);
        assertThrows(ExecutionException.class, () -> h.started().get(10, TimeUnit.SECONDS));
        assertEquals("this node does not allow privileged (an admin allows it per node: orchion:node allow NODE"
                + " privileged)", await(h).reason());
    }

    @Test
    void whereTheNodeAllowsHostMountsTheHostFolderIsThere() throws Exception {
        // given a node that allows host mounts, and a run that reads a host folder
        Map<String, Object> settings = Map.of("image", IMAGE, "command", List.of("cat", "/host/hostname"),
                "volumes", List.of(Map.of("source", "/etc", "target", "/host", "readOnly", true)));
        RunRequest r = allowed(run("mounted", settings, 0, 0, null), Set.of(Allowance.HOST_MOUNTS));
        // when it runs, then it reads the host's file
        assertEquals(0, await(runtime.start(r, sink)).code(), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("stdout:") && l.length() > "stdout:".length()),
                lines.toString());
    }

    @Test
    void whereTheNodeAllowsPrivilegedTheEngineIsAskedForAPrivilegedContainer() throws Exception {
        // given a node that allows privileged containers
        Map<String, Object> settings = Map.of("image", IMAGE, "command", List.of("sh", "-c", "sleep 2"),
                "privileged", true);
        RunRequest r = allowed(run("privileged", settings, 0, 0, null), Set.of(Allowance.PRIVILEGED));
        RunHandle h = runtime.start(r, sink);
        try {
            h.started().get(30, TimeUnit.SECONDS);
            // then the engine holds it privileged
            List<Container> mine = containersOf(r);
            assertTrue(runtime.client().inspectContainerCmd(mine.get(0).getId()).exec().getHostConfig().getPrivileged());
            assertEquals(0, await(h).code());
        } catch (ExecutionException e) {
            // an engine that itself runs without every capability (a nested container, like the CI
            // one here) cannot grant them: the engine's own answer to the privileged request, not our
            // refusal; the privileged start could not be tried here, and the report says so
            String answer = e.getCause().getMessage();
            assertTrue(answer.contains("unable to apply caps"), answer);
            assertFalse(answer.contains("does not allow privileged"), "refused by the runtime: " + answer);
            org.junit.jupiter.api.Assumptions.abort("a privileged container cannot start on this engine (it runs"
                    + " without every capability): the engine answered '" + answer + "'");
        }
    }

    @Test
    void aHostPathMustBeNormalisedEvenWhereMountsAreAllowed() {
        Map<String, Object> escape = Map.of("image", IMAGE, "volumes",
                List.of(Map.of("source", "/srv/../etc", "target", "/host")));
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> runtime.start(allowed(run("escape", escape, 0, 0, null), Set.of(Allowance.HOST_MOUNTS)), sink));
        assertEquals("docker.volumes[0].source", e.field());
    }
}
