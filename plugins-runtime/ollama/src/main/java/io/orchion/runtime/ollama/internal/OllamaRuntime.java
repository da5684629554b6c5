package io.orchion.runtime.ollama.internal;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.orchion.api.runtime.ExecutionRuntime;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;
import io.orchion.runtime.ollama.internal.OllamaClient.OllamaException;
import io.orchion.runtime.support.AbstractRun;

/**
 * Runs generate, chat and embed jobs against an Ollama server (configuration PID
 * {@code io.orchion.runtime.ollama}, key {@code url}, default {@code http://127.0.0.1:11434}).
 * The runtime is healthy while that server answers; the models it holds are part of the
 * fingerprint. A job pulls its model when missing, then streams its answer to the job's log; the
 * text and token counts become the job's result. An HTTP request cannot be reattached after an
 * agent restart, so {@link #recover} finds nothing and the job is reported lost.
 */
@Component(configurationPid = OllamaOptions.PID, property = ExecutionRuntime.NAME + "=ollama")
@Designate(ocd = OllamaRuntime.Config.class)
public class OllamaRuntime implements ExecutionRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(OllamaRuntime.class);

    @ObjectClassDefinition(name = "Orchion Ollama runtime", description = "The Ollama server jobs run against")
    public @interface Config {
        @AttributeDefinition(name = "url", description = "Where Ollama answers, without a path")
        String url() default "http://127.0.0.1:11434";

        @AttributeDefinition(name = "connect.timeout.ms", description = "Longest wait for a connection to open")
        long connect_timeout_ms() default 2000;

        @AttributeDefinition(name = "request.timeout.ms", description = "Longest wait for Ollama to start answering (model loads count)")
        long request_timeout_ms() default 300_000;

        @AttributeDefinition(name = "fingerprint.timeout.ms", description = "Longest wait for each health-check answer")
        long fingerprint_timeout_ms() default 2000;
    }

    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "orchion-ollama-run");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "orchion-ollama-timer");
        t.setDaemon(true);
        return t;
    });
    private final Set<OllamaRun> live = ConcurrentHashMap.newKeySet();
    /** Null while the configuration is refused: the runtime is then unhealthy and runs nothing. */
    private volatile OllamaClient client;
    private volatile String refused;

    @Activate
    public OllamaRuntime(Map<String, Object> config) {
        try {
            client = new OllamaClient(OllamaOptions.parse(config));
            LOG.info("ollama runtime: jobs run against the Ollama at {}", client.url());
        } catch (IllegalArgumentException e) {
            refused = "configuration " + OllamaOptions.PID + " refused: " + e.getMessage();
            LOG.error("ollama runtime: {}; the runtime stays unhealthy until it is fixed", refused);
        }
    }

    @Modified
    void modified(Map<String, Object> config) {
        try {
            OllamaOptions next = OllamaOptions.parse(config);
            OllamaClient now = client;
            if (now == null || !next.equals(now.options())) {
                client = new OllamaClient(next);
                refused = null;
                LOG.info("ollama runtime: configuration updated: jobs run against the Ollama at {}", next.base());
            }
        } catch (IllegalArgumentException e) {
            LOG.error("ollama runtime: configuration {} refused, the previous one stays in force: {}", OllamaOptions.PID,
                    e.getMessage());
        }
    }

    /** The bundle stops: every run's request is cancelled, so Ollama stops working for nobody. */
    @Deactivate
    void deactivate() {
        live.forEach(r -> r.stopBecause("stopped: the Ollama runtime is going away", Duration.ZERO));
        timers.shutdownNow();
        workers.shutdownNow();
    }

    @Override
    public Fingerprint fingerprint() {
        OllamaClient c = client;
        if (c == null) {
            return new Fingerprint(false, refused, Map.of());
        }
        try {
            ObjectNode version = c.get("/api/version", c.options().fingerprintTimeout());
            Set<String> models = OllamaRun.models(c.get("/api/tags", c.options().fingerprintTimeout()));
            String v = OllamaClient.text(version.get("version"));
            return new Fingerprint(true, "Ollama " + v + " at " + c.url() + " with " + models.size() + " model(s)",
                    Map.of("version", v, "models", String.join(",", models), "url", c.url()));
        } catch (OllamaException e) {
            String why = e.status() == 0 ? e.getMessage()
                    : "the Ollama at " + c.url() + " answered HTTP " + e.status() + ": " + e.getMessage();
            return new Fingerprint(false, why, Map.of("url", c.url()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Fingerprint(false, "interrupted while asking the Ollama at " + c.url(), Map.of("url", c.url()));
        } catch (RuntimeException e) {
            return new Fingerprint(false, "the Ollama at " + c.url() + " answered something unexpected: " + e,
                    Map.of("url", c.url()));
        }
    }

    @Override
    public RunHandle start(RunRequest request, LogSink logs) {
        OllamaJob job = OllamaJob.parse(request.settings());
        OllamaClient c = client;
        OllamaRun run = new OllamaRun(request.runId(), job, c, logs, timers);
        if (c == null) {
            run.exit().complete(new ExitStatus(1, "the Ollama runtime cannot run jobs: " + refused));
            run.started().completeExceptionally(new IllegalStateException(refused));
            return run;
        }
        live.add(run);
        run.exit().whenComplete((x, e) -> live.remove(run));
        workers.execute(run);
        if (request.timeout() != null) {
            timers.schedule(() -> run.stopBecause(AbstractRun.TIMEOUT, Duration.ofSeconds(5)),
                    request.timeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        return run;
    }

    /**
     * An HTTP request to Ollama cannot be reattached by a restarted agent: nothing is found, the
     * job is reported lost and its restart policy decides whether it runs again.
     */
    @Override
    public Optional<RunHandle> recover(RunRequest request, LogSink logs) {
        return Optional.empty();
    }
}
