package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs on the real distribution: an orchestrator and three agents with different labels, jobs
 * submitted from the shell and run as real processes.
 */
class JobsIT {
    @TempDir
    Path root;
    final int base = 2000 + new Random().nextInt(6000); // sleep durations no stray process shares

    static final Pattern ID = Pattern.compile("Job:\\s+(\\S+)");
    static final Pattern STATE = Pattern.compile("State:\\s+(\\S+)");
    static final Pattern NODE = Pattern.compile("Node:\\s+(\\S+)");

    @AfterEach
    void killStrays() {
        ProcessHandle.allProcesses().filter(this::mine).forEach(ProcessHandle::destroyForcibly);
    }

    boolean mine(ProcessHandle p) {
        return p.info().command().orElse("").endsWith("/sleep") && List.of(p.info().arguments().orElse(new String[0]))
                .stream().anyMatch(a -> a.matches("[0-9]+") && Integer.parseInt(a) >= base && Integer.parseInt(a) < base + 100);
    }

    String submit(Instance orch, String name, String yaml) throws Exception {
        Path file = root.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        Instance.Shell s = orch.shell("orchion:submit " + file);
        assertEquals(0, s.status(), s.err());
        Matcher m = ID.matcher(s.out());
        assertTrue(m.find(), s.out());
        return m.group(1);
    }

    static String field(Instance orch, String id, Pattern p) {
        try {
            Matcher m = p.matcher(orch.shell("orchion:job " + id).out());
            return m.find() ? m.group(1) : "";
        } catch (Exception e) {
            return "";
        }
    }

    static void awaitState(Instance orch, String id, String state, Duration timeout) throws Exception {
        Instance.await(timeout, () -> field(orch, id, STATE).equals(state), () -> id + " to be " + state + ":\n"
                + shellOut(orch, "orchion:job " + id));
    }

    static String shellOut(Instance orch, String command) {
        try {
            return orch.shell(command).out();
        } catch (Exception e) {
            return "";
        }
    }

    /** Submits a sleeper and waits until it runs. */
    String running(Instance orch, String name, int offset) throws Exception {
        String id = submit(orch, name, sleeper(name, offset, ""));
        awaitState(orch, id, "RUNNING", Duration.ofSeconds(20));
        return id;
    }

    String sleeper(String name, int offset, String extra) {
        return "name: " + name + "\nruntime: process\nprocess: { command: [\"sh\", \"-c\", \"sleep " + (base + offset)
                + " & sleep " + (base + offset + 50) + " & wait\"] }\nresources: { cpu: 0.5, memory: 64Mi }\n" + extra;
    }

    @Test
    void jobsRunWhereTheyShouldAreCancelledRetriedAndRescuedFromADeadNode() throws Exception {
        Instance orch = Instance.orchestrator(root, "orchestrator");
        Files.writeString(orch.conf.resolve("io.orchion.registry.cfg"),
                "heartbeat.interval.ms = 500\ndown.after.ms = 2500\nforget.after.ms = 600000\n");
        orch.start();
        try (orch;
                Instance attic = Instance.agent(root, "attic", orch, "--label", "zone=attic").start();
                Instance cellar = Instance.agent(root, "cellar", orch, "--label", "zone=cellar").start();
                Instance garage = Instance.agent(root, "garage", orch, "--label", "zone=garage", "--label", "noisy=yes")
                        .start()) {

            // a job constrained to a zone runs there, to its exit code
            String hello = submit(orch, "hello", """
                    name: hello
                    runtime: process
                    process: { command: ["sh", "-c", "echo hello; exit 0"] }
                    constraints: [ { label: zone, in: [cellar] } ]
                    """);
            awaitState(orch, hello, "SUCCEEDED", Duration.ofSeconds(20));
            assertEquals("cellar", field(orch, hello, NODE));

            // a job no node can take says why
            String nowhere = submit(orch, "nowhere", """
                    name: nowhere
                    runtime: process
                    process: { command: ["true"] }
                    constraints: [ { label: zone, in: [moon] } ]
                    """);
            Instance.await(Duration.ofSeconds(10), () -> shellOut(orch, "orchion:job " + nowhere)
                    .contains("3 nodes: 3 did not match zone in [moon]"), () -> "the pending explanation");

            // a notIn constraint keeps a job off the noisy node
            String quiet = submit(orch, "quiet", """
                    name: quiet
                    runtime: process
                    process: { command: ["true"] }
                    constraints: [ { label: noisy, exists: false } ]
                    """);
            awaitState(orch, quiet, "SUCCEEDED", Duration.ofSeconds(20));
            assertNotEquals("garage", field(orch, quiet, NODE));
            assertEquals(0, orch.shell("orchion:cancel " + nowhere).status());
            assertEquals("CANCELLED", field(orch, nowhere, STATE));

            // a failing job is retried as its policy says, then FAILED with its exit code
            String flaky = submit(orch, "flaky", """
                    name: flaky
                    runtime: process
                    process: { command: ["sh", "-c", "exit 3"] }
                    restart: { attempts: 1, backoff: 200ms }
                    """);
            awaitState(orch, flaky, "FAILED", Duration.ofSeconds(20));
            String history = shellOut(orch, "orchion:job " + flaky);
            assertTrue(history.contains("Runs:       2 of at most 2, last exit code 3"), history);
            assertTrue(history.contains("retry 1 of 1"), history);

            // cancelling a running job kills its whole process tree
            String sleepy = submit(orch, "sleepy", sleeper("sleepy", 0, ""));
            awaitState(orch, sleepy, "RUNNING", Duration.ofSeconds(20));
            Instance.await(Duration.ofSeconds(5), () -> ProcessHandle.allProcesses().filter(this::mine).count() == 2,
                    () -> "both sleeps to start");
            assertEquals(0, orch.shell("orchion:cancel " + sleepy).status());
            awaitState(orch, sleepy, "CANCELLED", Duration.ofSeconds(20));
            Instance.await(Duration.ofSeconds(5), () -> ProcessHandle.allProcesses().noneMatch(this::mine),
                    () -> "the job's processes to be gone");

            // switching strategy changes where the next jobs go: round-robin spreads, bin-packing packs
            assertEquals(0, orch.shell("orchion:scheduler use round-robin").status());
            String rr1 = running(orch, "rr1", 1);
            String rr2 = running(orch, "rr2", 2);
            assertNotEquals(field(orch, rr1, NODE), field(orch, rr2, NODE), "round-robin spreads");
            assertEquals(0, orch.shell("orchion:scheduler use bin-packing").status());
            String bp1 = running(orch, "bp1", 3);
            String bp2 = running(orch, "bp2", 4);
            assertEquals(field(orch, bp1, NODE), field(orch, bp2, NODE), "bin-packing packs");
            for (String id : List.of(rr1, rr2, bp1, bp2)) {
                orch.shell("orchion:cancel " + id);
                awaitState(orch, id, "CANCELLED", Duration.ofSeconds(20));
            }

            // a job on an agent that dies is LOST and runs again on the other node
            String rescued = submit(orch, "rescued", sleeper("rescued", 5, """
                    constraints: [ { label: zone, in: [attic, cellar] } ]
                    restart: { attempts: 1, backoff: 100ms }
                    """));
            awaitState(orch, rescued, "RUNNING", Duration.ofSeconds(20));
            String first = field(orch, rescued, NODE);
            (first.equals("attic") ? attic : cellar).kill9();
            Instance.await(Duration.ofSeconds(20), () -> {
                String out = shellOut(orch, "orchion:job " + rescued);
                return out.contains("LOST") && out.contains("State:      RUNNING");
            }, () -> "the job to be LOST and run again:\n" + shellOut(orch, "orchion:job " + rescued));
            assertNotEquals(first, field(orch, rescued, NODE));
            assertFalse(shellOut(orch, "orchion:jobs").isBlank());
        }
    }
}
