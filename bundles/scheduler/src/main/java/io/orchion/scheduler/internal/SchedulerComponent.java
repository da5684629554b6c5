package io.orchion.scheduler.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.scheduler.SchedulerAdmin;
import io.orchion.api.scheduler.SchedulingStrategy;
import io.orchion.api.scheduler.StrategyStatus;

/**
 * The scheduler's strategy selection: collects the strategy plugins (whiteboard, by their
 * {@code orchion.strategy} property), follows the configuration (PID {@code io.orchion.scheduler},
 * key {@code strategy}) and falls back to the default when the configured one is missing.
 */
@Component(service = SchedulerAdmin.class, immediate = true, configurationPid = SchedulerComponent.PID)
@Designate(ocd = SchedulerComponent.Config.class)
public class SchedulerComponent implements SchedulerAdmin {
    static final String PID = "io.orchion.scheduler";
    static final String FILE = PID + ".cfg";
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerComponent.class);

    @ObjectClassDefinition(name = "Orchion scheduler")
    public @interface Config {
        @AttributeDefinition(description = "the scheduling strategy: round-robin, gpu-aware, bin-packing or a plugin's")
        String strategy() default StrategySelection.DEFAULT;
    }

    private final StrategySelection selection = new StrategySelection();
    private final Path confDir;

    @Activate
    public SchedulerComponent(BundleContext context, Map<String, Object> config) {
        String dir = context.getProperty("felix.fileinstall.dir");
        this.confDir = dir == null ? null : Path.of(dir);
        modified(config);
    }

    @Modified
    void modified(Map<String, Object> config) {
        for (String key : config.keySet()) {
            if (!key.equals("strategy") && !key.startsWith("service.") && !key.startsWith("component.")
                    && !key.startsWith("felix.") && !key.startsWith("osgi.") && !key.endsWith(".target")) {
                LOG.error("configuration {} refused, the previous one stays in force: unknown key '{}' (known: strategy)",
                        PID, key);
                return;
            }
        }
        Object s = config.get("strategy");
        log(selection.configure(s == null ? null : s.toString()));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + SchedulingStrategy.NAME + "=*)")
    void addStrategy(SchedulingStrategy strategy, Map<String, Object> props) {
        // at start strategies arrive one by one: their passing choices are debug material
        String line = selection.installed(String.valueOf(props.get(SchedulingStrategy.NAME)), strategy);
        if (line != null) {
            LOG.debug(line);
        }
    }

    void removeStrategy(SchedulingStrategy strategy, Map<String, Object> props) {
        String name = String.valueOf(props.get(SchedulingStrategy.NAME));
        String line = selection.removed(name);
        if (line != null) {
            LOG.warn("{} (strategy {} went away: its bundle stopped or was removed)", line, name);
        }
    }

    private static void log(String line) {
        if (line != null) {
            LOG.info(line);
        }
    }

    @Override
    public StrategyStatus status() {
        return selection.status();
    }

    @Override
    public StrategyStatus use(String name) {
        String n = name == null ? "" : name.trim();
        if (!selection.isInstalled(n)) {
            throw new InvalidArgumentException("strategy", "'" + n + "' is not installed; available: "
                    + String.join(", ", selection.status().available()));
        }
        if (confDir != null) {
            write(n);
        }
        log(selection.configure(n));
        return selection.status();
    }

    /** Writes the choice where an operator would, atomically, so FileInstall never reads half a file. */
    private void write(String name) {
        try {
            Files.createDirectories(confDir);
            Path tmp = Files.createTempFile(confDir, FILE, ".tmp");
            Files.writeString(tmp, "# written by orchion:scheduler use; edit freely\nstrategy = " + name + "\n",
                    StandardCharsets.UTF_8);
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
