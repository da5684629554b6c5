package io.orchion.runtime.docker.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.Version;

import io.orchion.api.runtime.Allowance;
import io.orchion.api.runtime.ExecutionRuntime;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;

/**
 * Runs jobs as containers through the Docker Engine API (docker-java over the engine's socket;
 * podman's Docker-compatible socket is configured the same way, untested here). Every container carries the label
 * {@value #RUN_LABEL} with its run id, which is how a restarted agent finds it again.
 * Configuration PID {@code io.orchion.runtime.docker}.
 */
@Component(property = ExecutionRuntime.NAME + "=docker", configurationPid = DockerRuntime.PID)
@Designate(ocd = DockerRuntime.Config.class)
public class DockerRuntime implements ExecutionRuntime {
    static final String PID = "io.orchion.runtime.docker";
    static final String RUN_LABEL = "io.orchion.run-id";
    static final String JOB_LABEL = "io.orchion.job-name";
    private static final Logger LOG = LoggerFactory.getLogger(DockerRuntime.class);

    @ObjectClassDefinition(name = "Orchion Docker runtime")
    public @interface Config {
        @AttributeDefinition(description = "the engine's socket: unix:///var/run/docker.sock, or podman's "
                + "unix:///run/podman/podman.sock, or tcp://host:2375")
        String host() default "unix:///var/run/docker.sock";

        @AttributeDefinition(name = "stop.grace.ms", description = "how long a stopped container may take before it is killed")
        long stop_grace_ms() default 10_000;

        @AttributeDefinition(name = "pull.timeout.ms", description = "the longest an image pull may take")
        long pull_timeout_ms() default 30 * 60_000;

        @AttributeDefinition(name = "remove", description = "remove containers once their exit is recorded")
        boolean remove() default true;
    }

    private final String host;
    private final Duration stopGrace;
    private final Duration pullTimeout;
    private final boolean remove;
    private final DockerClient client;
    private final DockerClient quick;
    final ExecutorService runs = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "orchion-docker-run");
        t.setDaemon(true);
        return t;
    });
    final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "orchion-docker-timer");
        t.setDaemon(true);
        return t;
    });

    @Activate
    public DockerRuntime(Config config) {
        this(config.host(), Duration.ofMillis(config.stop_grace_ms()), Duration.ofMillis(config.pull_timeout_ms()),
                config.remove());
    }

    DockerRuntime(String host, Duration stopGrace, Duration pullTimeout, boolean remove) {
        this(host, stopGrace, pullTimeout, remove, DockerClients.ENGINE);
    }

    /** @param clients where the engine clients come from (a test's own, or {@link DockerClients#ENGINE}) */
    DockerRuntime(String host, Duration stopGrace, Duration pullTimeout, boolean remove, DockerClients clients) {
        if (!host.startsWith("unix://") && !host.startsWith("tcp://") && !host.startsWith("npipe://")) {
            throw new IllegalArgumentException(PID + " host: '" + host + "' is not unix://PATH or tcp://HOST:PORT");
        }
        if (stopGrace.isNegative() || pullTimeout.isNegative() || pullTimeout.isZero()) {
            throw new IllegalArgumentException(PID + ": stop.grace.ms and pull.timeout.ms must be positive");
        }
        this.host = host;
        this.stopGrace = stopGrace;
        this.pullTimeout = pullTimeout;
        this.remove = remove;
        this.client = clients.open(host, Duration.ofSeconds(5), Duration.ZERO);
        // fingerprints must answer quickly even when the engine hangs
        this.quick = clients.open(host, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @Deactivate
    void deactivate() {
        runs.shutdownNow();
        timers.shutdownNow();
        for (DockerClient c : List.of(client, quick)) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.debug("docker client close: {}", e.getMessage());
            }
        }
    }

    DockerClient client() {
        return client;
    }

    String host() {
        return host;
    }

    Duration stopGrace() {
        return stopGrace;
    }

    Duration pullTimeout() {
        return pullTimeout;
    }

    boolean removeWhenDone() {
        return remove;
    }

    @Override
    public Fingerprint fingerprint() {
        try {
            Version v = quick.versionCmd().exec();
            Map<String, String> a = new LinkedHashMap<>();
            a.put("host", host);
            a.put("version", String.valueOf(v.getVersion()));
            a.put("apiVersion", String.valueOf(v.getApiVersion()));
            a.put("os", String.valueOf(v.getOperatingSystem()));
            a.put("arch", String.valueOf(v.getArch()));
            try {
                Info info = quick.infoCmd().exec();
                Map<String, ?> rt = info.getRuntimes();
                a.put("gpu", String.valueOf(rt != null && rt.containsKey("nvidia")));
                a.put("images", String.valueOf(info.getImages()));
            } catch (RuntimeException e) {
                LOG.debug("docker info failed: {}", e.toString());
            }
            return new Fingerprint(true, "Docker Engine " + v.getVersion() + " at " + host, a);
        } catch (RuntimeException e) {
            return new Fingerprint(false, "no Docker engine at " + host + ": " + DockerRun.reason(e), Map.of("host", host));
        }
    }

    @Override
    public RunHandle start(RunRequest request, LogSink logs) {
        DockerSettings settings = DockerSettings.parse(request.settings());
        DockerRun run = new DockerRun(this, request, settings, logs);
        String refused = refusal(settings.needs(), request.allowed());
        if (refused != null) {
            // defense in depth: the scheduler placed it here only if allowed, but the agent checks too
            LOG.warn("docker: run {} refused: {}", request.runId(), refused);
            run.refuse(refused);
            return run;
        }
        runs.execute(run::launch);
        return run;
    }

    /** Why a container that needs {@code needs} may not run where {@code allowed} is allowed; null if it may. */
    static String refusal(Set<Allowance> needs, Set<Allowance> allowed) {
        List<String> missing = needs.stream().filter(a -> !allowed.contains(a)).sorted().map(Allowance::key).toList();
        if (missing.isEmpty()) {
            return null;
        }
        return "this node does not allow " + String.join(" or ", missing)
                + " (an admin allows it per node: orchion:node allow NODE " + String.join(" ", missing) + ")";
    }

    @Override
    public Optional<RunHandle> recover(RunRequest request, LogSink logs) {
        List<Container> found;
        try {
            found = client.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(RUN_LABEL, request.runId())).exec();
        } catch (RuntimeException e) {
            LOG.warn("docker: cannot look for the container of run {}: {}", request.runId(), DockerRun.reason(e));
            return Optional.empty();
        }
        if (found.isEmpty()) {
            return Optional.empty();
        }
        DockerRun run = new DockerRun(this, request, null, logs);
        runs.execute(() -> run.reattach(found.get(0).getId()));
        return Optional.of(run);
    }
}
