package io.orchion.scheduler.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.scheduler.SchedulerAdmin;
import io.orchion.api.scheduler.SchedulingStrategy;
import io.orchion.api.scheduler.StrategyStatus;

/**
 * Strategy administration: which strategies are installed and which is active
 * ({@link StrategySelection}), switching at run time, and previews. A switch is kept through
 * {@link Settings} (Configuration Admin in the framework), and applies at once.
 */
final class StrategyAdmin implements SchedulerAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(StrategyAdmin.class);

    /** Where the operator's choice is kept, so that it survives a restart. */
    interface Settings {
        /** @throws IllegalStateException if the choice cannot be kept; nothing changed then */
        void strategy(String name);
    }

    private final StrategySelection selection;
    private final JobBook book;
    private final NodeRegistry registry;
    private final Settings settings;

    StrategyAdmin(StrategySelection selection, JobBook book, NodeRegistry registry, Settings settings) {
        this.selection = selection;
        this.book = book;
        this.registry = registry;
        this.settings = settings;
    }

    @Override
    public StrategyStatus status() {
        return selection.status();
    }

    @Override
    public StrategyStatus use(String name) {
        String n = name == null ? "" : name.trim();
        refuseUnknown(n);
        settings.strategy(n);
        configured(n); // at once: the configuration's own update follows, and changes nothing then
        return selection.status();
    }

    /** The configured strategy, from the configuration or a switch. */
    void configured(String name) {
        log(selection.configure(name));
    }

    /** A strategy plugin arrived; at start they come one by one, so their passing choices are debug material. */
    void installed(String name, SchedulingStrategy strategy) {
        String line = selection.installed(name, strategy);
        if (line != null) {
            LOG.debug(line);
        }
    }

    void removed(String name) {
        String line = selection.removed(name);
        if (line != null) {
            LOG.warn("{} (strategy {} went away: its bundle stopped or was removed)", line, name);
        }
    }

    /** Where the pending jobs would go under another strategy, placing nothing. */
    @Override
    public Map<String, String> preview(String strategyName) {
        SchedulingStrategy s = refuseUnknown(strategyName);
        List<Node> nodes = registry.nodes();
        Map<String, String> names = new java.util.HashMap<>();
        nodes.forEach(n -> names.put(n.id(), n.name()));
        // on a copy: a preview never moves the bookkeeping of the strategy that places for real
        PlacementRound.Outcome out = PlacementRound.run(book.pending(), Snapshot.of(nodes, book.holding()), s.copy());
        Map<String, String> result = new LinkedHashMap<>();
        out.placed().forEach(d -> result.put(d.jobId(), names.get(d.placement().nodeId())
                + (d.placement().gpuIndices().isEmpty() ? "" : " GPUs " + d.placement().gpuIndices())));
        out.pendingWhy().forEach((id, why) -> result.put(id, "stays pending: " + why));
        return result;
    }

    private SchedulingStrategy refuseUnknown(String name) {
        SchedulingStrategy s = name == null ? null : selection.get(name);
        if (s == null) {
            throw new InvalidArgumentException("strategy", "'" + name + "' is not installed; available: "
                    + String.join(", ", selection.status().available()));
        }
        return s;
    }

    private static void log(String line) {
        if (line != null) {
            LOG.info(line);
        }
    }
}
