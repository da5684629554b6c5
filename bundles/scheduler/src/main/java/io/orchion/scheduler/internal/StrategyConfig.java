package io.orchion.scheduler.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.TreeMap;
import java.util.function.Supplier;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a strategy switch in the {@code io.orchion.scheduler} configuration: the {@code strategy}
 * property is updated through Configuration Admin, which hands it to the scheduler as any change of
 * its configuration. The configuration's file in {@code conf/} is written too: the launcher turns
 * FileInstall's write-back off ({@code felix.fileinstall.enableConfigSave=false}, since FileInstall
 * rewriting a file it watches races its own poll) and starts with Configuration Admin's store
 * cleaned, so the file is what a restart reads. It is written first, atomically, and holds the
 * configuration's other keys too; FileInstall reading it back finds nothing new.
 */
final class StrategyConfig implements StrategyAdmin.Settings {
    static final String FILE = SchedulerComponent.PID + ".cfg";
    private static final Logger LOG = LoggerFactory.getLogger(StrategyConfig.class);
    private static final java.util.Set<String> AUTOMATIC = java.util.Set.of("service.pid", "service.factoryPid",
            "service.bundleLocation");

    private final Supplier<ConfigurationAdmin> admin;
    private final Path confDir;

    /** @param confDir FileInstall's folder; null where there is none (nothing is written then) */
    StrategyConfig(Supplier<ConfigurationAdmin> admin, Path confDir) {
        this.admin = admin;
        this.confDir = confDir;
    }

    @Override
    public void strategy(String name) {
        ConfigurationAdmin cm = admin.get();
        if (cm == null) {
            // only outside the distribution (a test harness): the framework always runs it
            LOG.warn("Configuration Admin is not running: strategy {} applies until the next restart only", name);
            return;
        }
        try {
            // "?": the location FileInstall uses, so that both update the one configuration
            Configuration c = cm.getConfiguration(SchedulerComponent.PID, "?");
            Dictionary<String, Object> props = new Hashtable<>();
            Dictionary<String, Object> now = c.getProperties();
            if (now != null) {
                for (String key : Collections.list(now.keys())) {
                    if (!AUTOMATIC.contains(key)) { // set by Configuration Admin itself
                        props.put(key, now.get(key));
                    }
                }
            }
            props.put("strategy", name);
            if (confDir != null) {
                write(props);
            }
            c.updateIfDifferent(props);
        } catch (IOException e) {
            throw new IllegalStateException("cannot keep the strategy in configuration " + SchedulerComponent.PID + ": "
                    + e.getMessage(), e);
        }
    }

    /** Writes the configuration where an operator would, atomically, so FileInstall never reads half a file. */
    private void write(Dictionary<String, Object> props) {
        StringBuilder text = new StringBuilder("# written by orchion:scheduler use; edit freely\n");
        TreeMap<String, Object> own = new TreeMap<>();
        for (String key : Collections.list(props.keys())) {
            if (!key.startsWith("service.") && !key.startsWith("felix.") && !key.startsWith("component.")) {
                own.put(key, props.get(key));
            }
        }
        own.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
        try {
            Files.createDirectories(confDir);
            Path tmp = Files.createTempFile(confDir, FILE, ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, confDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, confDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + confDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }
}
