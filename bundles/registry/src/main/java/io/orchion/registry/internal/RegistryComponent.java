package io.orchion.registry.internal;

import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.node.LivenessSettings;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeListener;
import io.orchion.api.node.NodeRegistration;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.node.NodeStore;
import io.orchion.api.node.Telemetry;
import io.orchion.api.runtime.Allowance;

/** The node registry service: a {@link NodeBook} plus a liveness sweeper and listener fan-out. */
@Component(service = NodeRegistry.class, configurationPid = RegistryComponent.PID)
@Designate(ocd = RegistryComponent.Config.class)
public class RegistryComponent implements NodeRegistry {
    static final String PID = "io.orchion.registry";
    private static final Logger LOG = LoggerFactory.getLogger(RegistryComponent.class);

    @ObjectClassDefinition(name = "Orchion node registry", description = "Liveness of nodes")
    public @interface Config {
        @AttributeDefinition(name = "heartbeat.interval.ms", description = "How often agents heartbeat")
        long heartbeat_interval_ms() default 5000;

        @AttributeDefinition(name = "down.after.ms", description = "Silence after which a node is DOWN")
        long down_after_ms() default 15000;

        @AttributeDefinition(name = "forget.after.ms", description = "Silence after which a DOWN node is removed")
        long forget_after_ms() default 86_400_000;
    }

    @Reference(policy = ReferencePolicy.DYNAMIC, cardinality = ReferenceCardinality.MULTIPLE)
    volatile List<NodeListener> listeners;

    private final NodeBook book;
    private final ScheduledExecutorService sweeper;

    @Activate
    public RegistryComponent(@Reference NodeStore store, Map<String, Object> config) {
        RegistryOptions options;
        try {
            options = RegistryOptions.parse(config);
        } catch (IllegalArgumentException e) {
            LOG.error("configuration {} refused, using defaults: {}", PID, e.getMessage());
            options = RegistryOptions.DEFAULTS;
        }
        this.book = new NodeBook(store, InstantSource.system(), options);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "orchion-liveness"));
        long period = Math.max(100, Math.min(1000, options.downAfter().toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
        LOG.info("registry: {} nodes known; heartbeat every {} ms, DOWN after {} ms, forgotten after {} ms",
                book.all().size(), options.heartbeatInterval().toMillis(), options.downAfter().toMillis(),
                options.forgetAfter().toMillis());
    }

    @Modified
    void modified(Map<String, Object> config) {
        try {
            RegistryOptions next = RegistryOptions.parse(config);
            if (!next.equals(book.options())) {
                book.options(next);
                LOG.info("registry: configuration updated: heartbeat every {} ms, DOWN after {} ms, forgotten after {} ms",
                        next.heartbeatInterval().toMillis(), next.downAfter().toMillis(), next.forgetAfter().toMillis());
            }
        } catch (IllegalArgumentException e) {
            LOG.error("configuration {} refused, the previous one stays in force: {}", PID, e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        sweeper.shutdownNow();
    }

    private void sweep() {
        try {
            announce(book.sweep());
        } catch (RuntimeException e) {
            LOG.error("registry: liveness sweep failed: {}", e.toString());
        }
    }

    private void announce(List<NodeBook.Event> events) {
        for (NodeBook.Event e : events) {
            switch (e.change()) {
                case STATUS -> LOG.info("node {} ({}) is {}", e.node().name(), e.node().id(), e.node().status());
                case FORGOTTEN -> LOG.info("node {} ({}) forgotten after a long silence", e.node().name(), e.node().id());
                case UNREGISTERED -> LOG.info("node {} ({}) unregistered", e.node().name(), e.node().id());
                case JOINED -> LOG.info("node {} ({}) joined from {}", e.node().name(), e.node().id(),
                        e.node().agentAddress());
                case DRAINED -> LOG.info("node {} ({}) {}", e.node().name(), e.node().id(),
                        e.node().drained() ? "drained" : "accepts work again");
                case ALLOWED -> LOG.info("node {} ({}) allows {}", e.node().name(), e.node().id(),
                        e.node().allowed().isEmpty() ? "nothing beyond the default sandbox"
                                : e.node().allowed().stream().sorted().map(Allowance::key).collect(Collectors.joining(", ")));
            }
            for (NodeListener l : listeners) {
                try {
                    l.nodeChanged(e.change(), e.node());
                } catch (RuntimeException ex) {
                    LOG.warn("node listener {} failed: {}", l.getClass().getName(), ex.toString());
                }
            }
        }
    }

    @Override
    public Node register(NodeRegistration registration) {
        List<NodeBook.Event> events = book.register(registration);
        announce(events);
        return events.get(0).node();
    }

    @Override
    public Node heartbeat(String nodeId, Telemetry telemetry) {
        NodeBook.Result result = book.heartbeat(nodeId, telemetry);
        announce(result.events());
        return result.node();
    }

    @Override
    public List<Node> nodes() {
        return book.list();
    }

    @Override
    public Optional<Node> node(String nodeId) {
        return book.get(nodeId);
    }

    @Override
    public Node drain(String nodeId, boolean drain) {
        NodeBook.Result result = book.drain(nodeId, drain);
        announce(result.events());
        return result.node();
    }

    @Override
    public Node allow(String nodeId, Set<Allowance> allowances, boolean allow) {
        NodeBook.Result result = book.allow(nodeId, allowances, allow);
        announce(result.events());
        return result.node();
    }

    @Override
    public Node unregister(String nodeId) {
        List<NodeBook.Event> events = book.unregister(nodeId);
        announce(events);
        return events.get(0).node();
    }

    @Override
    public List<Telemetry> telemetry(String nodeId) {
        return book.telemetry(nodeId);
    }

    @Override
    public LivenessSettings settings() {
        return book.options().settings();
    }
}
