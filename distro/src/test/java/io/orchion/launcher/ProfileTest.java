package io.orchion.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Profiles: which bundles each way of running starts, and what it waits for. */
class ProfileTest {
    /** The profiles the distribution ships. */
    static final Path SHIPPED = Path.of("src/home/profiles");

    @TempDir
    Path tmp;

    @Test
    void includesAreReadInOrderOnceEachWithCommentsAndBlankLinesSkipped() throws IOException {
        // given a profile including two that both include a third (and one including itself)
        Files.writeString(tmp.resolve("base.profile"), "# the base\n\nb.one\nready base\n");
        Files.writeString(tmp.resolve("left.profile"), "include base\nb.left\n");
        Files.writeString(tmp.resolve("right.profile"), "include base\ninclude right\n  b.right  \nready right\n");
        Files.writeString(tmp.resolve("all.profile"), "include left\ninclude right\nb.one\n");

        // when it is loaded
        Profile p = Profile.load(tmp, "all");

        // then each bundle comes once, in the order first named, and every part to wait for is kept
        assertEquals(List.of("b.one", "b.left", "b.right"), p.bundles());
        assertEquals(Set.of("base", "right"), p.ready());
    }

    @Test
    void aMissingProfileIsNamedWithItsFile() {
        IOException e = assertThrows(IOException.class, () -> Profile.load(tmp, "nope"));
        assertEquals("no profile 'nope' (" + tmp.resolve("nope.profile") + " is missing)", e.getMessage());
    }

    @Test
    void aMissingIncludeIsNamedToo() throws IOException {
        Files.writeString(tmp.resolve("a.profile"), "include gone\n");
        IOException e = assertThrows(IOException.class, () -> Profile.load(tmp, "a"));
        assertTrue(e.getMessage().startsWith("no profile 'gone'"), e.getMessage());
    }

    @Test
    void allInOneIsTheOrchestratorAndTheAgentTogether() throws IOException {
        Profile up = Profile.load(SHIPPED, "up");
        Profile orchestrator = Profile.load(SHIPPED, "orchestrator");
        Profile agent = Profile.load(SHIPPED, "agent");
        assertFalse(orchestrator.bundles().isEmpty());
        assertFalse(agent.bundles().isEmpty());
        assertTrue(up.bundles().containsAll(orchestrator.bundles()), "up lacks some of the orchestrator");
        assertTrue(up.bundles().containsAll(agent.bundles()), "up lacks some of the agent");
        assertTrue(up.ready().containsAll(orchestrator.ready()) && up.ready().containsAll(agent.ready()));
        assertTrue(agent.ready().contains("agent"), agent.ready().toString());
    }

    @Test
    void theAgentCarriesNoWebServerNoStoreAndNoScheduler() throws IOException {
        // the agent profile's promise: small enough for a Raspberry Pi (no Jetty, no MapDB)
        List<String> agent = Profile.load(SHIPPED, "agent").bundles();
        assertTrue(agent.contains("io.orchion.agent"), agent.toString());
        for (String b : agent) {
            assertFalse(b.contains("jetty") || b.contains("mapdb") || b.equals("io.orchion.store")
                    || b.equals("io.orchion.scheduler") || b.equals("io.orchion.rest"), b + " in the agent profile");
        }
    }

    @Test
    void theOrchestratorRunsNoJobsItself() throws IOException {
        List<String> orchestrator = Profile.load(SHIPPED, "orchestrator").bundles();
        assertTrue(orchestrator.contains("io.orchion.scheduler"), orchestrator.toString());
        assertFalse(orchestrator.contains("io.orchion.agent"), orchestrator.toString());
        assertTrue(orchestrator.stream().noneMatch(b -> b.startsWith("io.orchion.runtime.")), orchestrator.toString());
    }
}
