package io.orchion.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.scheduler.binpacking.internal.BinPackingStrategy;

/**
 * Switching the strategy at run time: refused by name when not installed, applied at once, and
 * kept in the {@code io.orchion.scheduler} configuration through Configuration Admin and its file
 * in conf/ (what a restart reads).
 */
class StrategyAdminTest {
    @TempDir
    Path conf;

    /** Configuration Admin's side of one configuration: what it holds, and each update. */
    Dictionary<String, Object> held;
    final List<String> locations = new ArrayList<>();
    int updates;

    final Configuration configuration = (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] { Configuration.class }, (p, m, a) -> switch (m.getName()) {
                case "getProperties" -> held;
                case "getPid" -> SchedulerComponent.PID;
                case "updateIfDifferent" -> {
                    @SuppressWarnings("unchecked")
                    Dictionary<String, Object> next = (Dictionary<String, Object>) a[0];
                    boolean differs = held == null || !new Hashtable<>(toMap(held)).equals(new Hashtable<>(toMap(next)));
                    if (differs) {
                        held = next;
                        updates++;
                    }
                    yield differs;
                }
                default -> throw new UnsupportedOperationException(m.getName());
            });
    final ConfigurationAdmin admin = (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] { ConfigurationAdmin.class }, (p, m, a) -> {
                if (m.getName().equals("getConfiguration") && a.length == 2 && SchedulerComponent.PID.equals(a[0])) {
                    locations.add((String) a[1]);
                    return configuration;
                }
                throw new UnsupportedOperationException(m.getName());
            });

    final StrategySelection selection = new StrategySelection();
    final JobBook book = new JobBook(new MemoryJobStore(), () -> Instant.EPOCH);
    final NodeRegistry registry = new Nodes().registry;

    static Map<String, Object> toMap(Dictionary<String, Object> d) {
        Map<String, Object> m = new java.util.HashMap<>();
        java.util.Collections.list(d.keys()).forEach(k -> m.put(k, d.get(k)));
        return m;
    }

    StrategyAdmin admin(Path dir) {
        selection.installed("gpu-aware", new BinPackingStrategy());
        selection.installed("bin-packing", new BinPackingStrategy());
        return new StrategyAdmin(selection, book, registry, new StrategyConfig(() -> admin, dir));
    }

    @Test
    void aSwitchAppliesAtOnceAndIsKeptInTheConfigurationAndItsFile() throws Exception {
        // given the io.orchion.scheduler configuration FileInstall made from conf/, with a retention key beside it
        held = new Hashtable<>(Map.of("service.pid", SchedulerComponent.PID, "strategy", "gpu-aware",
                "felix.fileinstall.filename", conf.resolve(StrategyConfig.FILE).toUri().toString(),
                SchedulerComponent.MAX_FINISHED, "50"));
        StrategyAdmin strategies = admin(conf);

        // when the operator switches to bin-packing
        assertEquals("bin-packing", strategies.use(" bin-packing ").active());

        // then it is active at once, and the configuration holds it with everything else it held
        assertEquals("bin-packing", selection.status().active());
        assertEquals(1, updates);
        assertEquals(List.of("?"), locations, "the location FileInstall uses");
        assertEquals("bin-packing", held.get("strategy"));
        assertEquals("50", held.get(SchedulerComponent.MAX_FINISHED));
        assertTrue(held.get("felix.fileinstall.filename").toString().endsWith(StrategyConfig.FILE));
        assertEquals(null, held.get("service.pid"), "Configuration Admin sets its own properties");
        // and the file a restart reads says so, without Configuration Admin's own keys
        String file = Files.readString(conf.resolve(StrategyConfig.FILE));
        assertTrue(file.contains("strategy = bin-packing\n"), file);
        assertTrue(file.contains(SchedulerComponent.MAX_FINISHED + " = 50\n"), file);
        assertFalse(file.contains("felix.") || file.contains("service."), file);
        try (var left = Files.list(conf)) {
            assertEquals(List.of(conf.resolve(StrategyConfig.FILE)), left.toList(), "no temporary file left behind");
        }

        // when the same strategy is chosen again, then the configuration is not updated again
        strategies.use("bin-packing");
        assertEquals(1, updates);
    }

    @Test
    void aStrategyThatIsNotInstalledIsRefusedByNameAndNothingIsKept() {
        StrategyAdmin strategies = admin(conf);

        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> strategies.use("best-effort"));

        assertEquals("strategy: 'best-effort' is not installed; available: bin-packing, gpu-aware", e.getMessage());
        assertEquals("gpu-aware", selection.status().active());
        assertTrue(locations.isEmpty(), "Configuration Admin was not asked");
        assertFalse(Files.exists(conf.resolve(StrategyConfig.FILE)));
        assertEquals("strategy", assertThrows(InvalidArgumentException.class, () -> strategies.preview("nope")).field());
    }

    @Test
    void withNoConfigurationYetOneIsMadeAndWithNoConfFolderNoFileIsWritten() {
        // given no configuration and no FileInstall folder (held stays null until an update)
        StrategyAdmin strategies = admin(null);

        strategies.use("bin-packing");

        assertEquals(Map.of("strategy", "bin-packing"), toMap(held));
        assertEquals("bin-packing", selection.status().active());
    }

    @Test
    void aPreviewPlacesNothing() {
        // given a pending job and no node
        book.submit(new JobSpec("wait", "process", Map.of(), new ResourceRequest(1, 0, 0, 0), List.of(), 0,
                RestartPolicy.NONE, null, Map.of()));
        StrategyAdmin strategies = admin(conf);

        Map<String, String> preview = strategies.preview("bin-packing");

        assertEquals(1, preview.size());
        assertTrue(preview.values().iterator().next().startsWith("stays pending: "), preview.toString());
        assertEquals(1, book.pending().size(), "still pending");
    }
}
