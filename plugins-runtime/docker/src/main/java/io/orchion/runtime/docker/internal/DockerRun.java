package io.orchion.runtime.docker.internal;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.Volume;

import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunRequest;
import io.orchion.api.runtime.RunUsage;
import io.orchion.runtime.support.AbstractRun;
import io.orchion.runtime.support.CpuMeter;
import io.orchion.runtime.support.LineSplitter;
import io.orchion.runtime.support.PullProgress;

/**
 * One container run: pull when needed (with progress), create, start, follow its output, wait for
 * its exit (noting an out-of-memory kill), and remove it. Stop asks with SIGTERM and kills after
 * the grace period. A run found again after an agent restart follows the same container.
 */
final class DockerRun extends AbstractRun {
    private static final Logger LOG = LoggerFactory.getLogger(DockerRun.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final DockerRuntime runtime;
    private final DockerClient docker;
    private final RunRequest request;
    private final DockerSettings settings;
    private final LogSink logs;
    private final CpuMeter cpu = new CpuMeter();
    private volatile String containerId;
    private volatile Closeable pulling;
    private volatile RunUsage usage;

    DockerRun(DockerRuntime runtime, RunRequest request, DockerSettings settings, LogSink logs) {
        super(request.runId());
        this.runtime = runtime;
        this.docker = runtime.client();
        this.request = request;
        this.settings = settings;
        this.logs = logs;
    }

    @Override
    public RunUsage usage() {
        return usage;
    }

    /** Pull, create, start, then supervise. Runs on the runtime's executor. */
    void launch() {
        try {
            String id = createWithImage();
            if (id == null) {
                failStart(stopReason());
                return;
            }
            containerId = id;
            if (stopReason() != null) {
                removeQuietly(id);
                failStart(stopReason());
                return;
            }
            try {
                docker.startContainerCmd(id).exec();
            } catch (RuntimeException e) {
                removeQuietly(id);
                throw new StartFailure("the container did not start: " + reason(e));
            }
            markStarted();
            if (request.timeout() != null) {
                runtime.timers.schedule(() -> stopBecause(TIMEOUT, grace()), request.timeout().toMillis(),
                        TimeUnit.MILLISECONDS);
            }
            supervise(id);
        } catch (StartFailure e) {
            failStart(e.getMessage());
        } catch (RuntimeException e) {
            failStart("cannot reach the Docker engine at " + runtime.host() + ": " + reason(e));
        }
    }

    /** Follows a container found by its label after an agent restart. */
    void reattach(String id) {
        containerId = id;
        markStarted();
        try {
            supervise(id);
        } catch (RuntimeException e) {
            complete(new ExitStatus(-1, "lost the container after an agent restart: " + reason(e)));
        }
    }

    /** Never starts: fails at once with the reason (reported as FAILED_TO_START). */
    void refuse(String why) {
        failStart(why);
    }

    /**
     * Creates the container, pulling the image first when the job says always, or when the engine
     * says it is missing (one call fewer than asking first, on the common path). Null when a stop
     * came during the pull.
     */
    private String createWithImage() {
        if ("always".equals(settings.pull())) {
            pull(settings.image());
            return stopReason() != null ? null : create();
        }
        try {
            return create();
        } catch (ImageMissing e) {
            if ("never".equals(settings.pull())) {
                throw new StartFailure("image '" + settings.image() + "' is not on this node, and the job says pull: never");
            }
            pull(settings.image());
            return stopReason() != null ? null : create();
        }
    }

    /** The engine has no such image (a create answered 404). */
    private static final class ImageMissing extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private void pull(String image) {
        String[] rt = DockerSettings.repositoryAndTag(image);
        logs.status("pulling image " + image);
        logs.line("orchion", "pulling image " + image);
        PullProgress progress = new PullProgress("pull " + image, logs, Duration.ZERO);
        AtomicReference<String> error = new AtomicReference<>();
        var cmd = docker.pullImageCmd(rt[0]);
        if (rt[1] != null) {
            cmd = cmd.withTag(rt[1]);
        }
        ResultCallback.Adapter<PullResponseItem> cb = cmd.exec(new ResultCallback.Adapter<>() {
            @Override
            public void onNext(PullResponseItem item) {
                if (item.getErrorDetail() != null || item.getError() != null) {
                    error.compareAndSet(null, item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                            ? item.getErrorDetail().getMessage() : item.getError());
                    return;
                }
                var d = item.getProgressDetail();
                if (item.getId() != null && d != null && d.getTotal() != null && d.getTotal() > 0) {
                    progress.layer(item.getId(), d.getCurrent() == null ? 0 : d.getCurrent(), d.getTotal());
                }
            }

            @Override
            public void onError(Throwable t) {
                error.compareAndSet(null, reason(t));
                super.onError(t);
            }
        });
        pulling = cb;
        try {
            boolean finished;
            try {
                finished = cb.awaitCompletion(runtime.pullTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (RuntimeException e) {
                if (stopReason() != null) {
                    return;
                }
                throw new StartFailure("image '" + image + "' is not on this node and cannot be pulled: "
                        + (error.get() != null ? error.get() : reason(e)));
            }
            if (!finished) {
                closeQuietly(cb);
                throw new StartFailure("pulling image '" + image + "' took longer than "
                        + runtime.pullTimeout().toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartFailure("pulling image '" + image + "' was interrupted");
        } finally {
            pulling = null;
        }
        if (stopReason() != null) {
            return;
        }
        if (error.get() != null) {
            throw new StartFailure("image '" + image + "' is not on this node and cannot be pulled: " + error.get());
        }
        try {
            docker.inspectImageCmd(image).exec();
        } catch (NotFoundException e) {
            throw new StartFailure("image '" + image + "' is not on this node and the pull did not bring it");
        }
        progress.finished();
        logs.line("orchion", "pulled image " + image);
    }

    private String create() {
        DockerSettings s = settings;
        Map<String, String> labels = new HashMap<>(s.labels());
        labels.put(DockerRuntime.RUN_LABEL, request.runId());
        labels.put(DockerRuntime.JOB_LABEL, request.jobName());
        HostConfig host = HostConfig.newHostConfig();
        var res = request.resources();
        if (res != null && res.memoryBytes() > 0) {
            host.withMemory(res.memoryBytes()).withMemorySwap(res.memoryBytes());
        }
        if (res != null && res.cpu() > 0) {
            host.withNanoCPUs((long) (res.cpu() * 1_000_000_000L));
        }
        if (!request.gpuIndices().isEmpty()) {
            // the --gpus equivalent: only the reserved GPUs, through the NVIDIA container runtime
            host.withDeviceRequests(List.of(new DeviceRequest().withDriver("nvidia")
                    .withDeviceIds(request.gpuIndices().stream().map(String::valueOf).toList())
                    .withCapabilities(List.of(List.of("gpu")))));
        }
        List<ExposedPort> exposed = new ArrayList<>();
        Ports ports = new Ports();
        for (DockerSettings.Port p : s.ports()) {
            ExposedPort e = new ExposedPort(p.container(), InternetProtocol.parse(p.protocol()));
            exposed.add(e);
            ports.bind(e, p.host() == 0 ? Ports.Binding.bindIp(p.hostIp())
                    : Ports.Binding.bindIpAndPort(p.hostIp(), p.host()));
        }
        if (!exposed.isEmpty()) {
            host.withPortBindings(ports);
        }
        List<Bind> binds = new ArrayList<>();
        for (DockerSettings.Volume v : s.volumes()) {
            binds.add(new Bind(v.source(), new Volume(v.target()), v.readOnly() ? AccessMode.ro : AccessMode.rw));
        }
        if (!binds.isEmpty()) {
            host.withBinds(binds);
        }
        if (s.privileged()) {
            // only here when the node allows it: DockerRuntime.start refuses it otherwise
            host.withPrivileged(true);
        }
        List<String> env = new ArrayList<>();
        s.env().forEach((k, v) -> env.add(k + "=" + v));
        env.add("ORCHION_RUN_ID=" + request.runId());
        env.add("ORCHION_JOB_NAME=" + request.jobName());
        CreateContainerCmd cmd = docker.createContainerCmd(s.image()).withName(name()).withLabels(labels).withEnv(env)
                .withHostConfig(host);
        if (!exposed.isEmpty()) {
            cmd.withExposedPorts(exposed);
        }
        if (!s.command().isEmpty()) {
            cmd.withEntrypoint(s.command());
        }
        if (!s.args().isEmpty()) {
            cmd.withCmd(s.args());
        }
        if (s.workdir() != null) {
            cmd.withWorkingDir(s.workdir());
        }
        if (s.user() != null) {
            cmd.withUser(s.user());
        }
        try {
            return cmd.exec().getId();
        } catch (NotFoundException e) {
            throw new ImageMissing();
        } catch (DockerException e) {
            throw new StartFailure("the container could not be created: " + reason(e));
        }
    }

    private String name() {
        return "orchion-" + request.runId().replaceAll("[^a-zA-Z0-9_.-]", "-");
    }

    /** Follows output until the container ends, records how it ended, removes it. */
    private void supervise(String id) {
        LogFollower follower = new LogFollower(logs);
        ResultCallback.Adapter<Frame> out = docker.logContainerCmd(id).withStdOut(true).withStdErr(true)
                .withFollowStream(true).exec(follower);
        var sampler = runtime.timers.scheduleWithFixedDelay(() -> sample(id), 1, 5, TimeUnit.SECONDS);
        int code;
        try {
            code = docker.waitContainerCmd(id).exec(new WaitContainerResultCallback()).awaitStatusCode();
        } finally {
            sampler.cancel(false);
        }
        try {
            out.awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        follower.flush();
        String why = "exited";
        try {
            InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(id).exec().getState();
            if (Boolean.TRUE.equals(state.getOOMKilled())) {
                why = "OOMKilled: the container passed its memory limit";
            }
        } catch (RuntimeException e) {
            LOG.debug("docker: inspect of {} after exit failed: {}", id, e.toString());
        }
        if (runtime.removeWhenDone()) {
            removeQuietly(id);
        }
        finish(new ExitStatus(code, why));
    }

    /** Container stats, sampled in the background: a stats call takes a second or two. */
    private void sample(String id) {
        ResultCallback.Adapter<Statistics> cb = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Statistics s) {
                long now = System.nanoTime();
                Long used = s.getCpuStats() == null || s.getCpuStats().getCpuUsage() == null ? null
                        : s.getCpuStats().getCpuUsage().getTotalUsage();
                Long mem = s.getMemoryStats() == null ? null : s.getMemoryStats().getUsage();
                double cores = used == null ? 0 : cpu.cores(used, now).orElse(0);
                usage = new RunUsage(cores, mem == null ? 0 : mem);
            }
        };
        try {
            docker.statsCmd(id).withNoStream(true).exec(cb).awaitCompletion(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debug("docker: stats of {} failed: {}", id, e.toString());
        }
    }

    private Duration grace() {
        return settings != null && settings.stopGrace() != null ? settings.stopGrace() : runtime.stopGrace();
    }

    @Override
    public void stopBecause(String why, Duration grace) {
        recordStop(why);
        Closeable p = pulling;
        if (p != null) {
            closeQuietly(p);
        }
        String id = containerId;
        if (id == null) {
            return; // still pulling or creating: launch() notices the stop reason
        }
        runtime.runs.execute(() -> {
            try {
                docker.stopContainerCmd(id).withTimeout((int) Math.max(0, Math.min(Integer.MAX_VALUE, grace.toSeconds())))
                        .exec();
            } catch (RuntimeException e) {
                LOG.debug("docker: stop of {}: {}", id, e.toString());
            }
        });
    }

    private void removeQuietly(String id) {
        try {
            docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (RuntimeException e) {
            LOG.debug("docker: remove of {}: {}", id, e.toString());
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** The engine's own message where it gave one, without Java class names. */
    static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof RuntimeException
                && t.getCause() instanceof IOException)) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        // docker-java writes the engine's answer as "Status 404: {"message":"..."}"
        int brace = m.indexOf('{');
        if (m.startsWith("Status ") && brace > 0) {
            try {
                var node = JSON.readTree(m.substring(brace));
                if (node.hasNonNull("message")) {
                    m = node.get("message").asText();
                }
            } catch (IOException | RuntimeException notJson) {
                // not JSON after all: keep the whole text
            }
        }
        return m.trim();
    }

    /** A start problem a user can act on; its message is the job's failure reason. */
    static final class StartFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StartFailure(String message) {
            super(message);
        }
    }

    /** Turns the engine's output frames (not aligned to lines) into lines, per stream. */
    static final class LogFollower extends ResultCallback.Adapter<Frame> {
        private final LineSplitter out;
        private final LineSplitter err;

        LogFollower(LogSink logs) {
            this.out = new LineSplitter(line -> logs.line("stdout", line));
            this.err = new LineSplitter(line -> logs.line("stderr", line));
        }

        @Override
        public synchronized void onNext(Frame f) {
            byte[] b = f.getPayload();
            (f.getStreamType() == StreamType.STDERR ? err : out).write(b, 0, b.length);
        }

        synchronized void flush() {
            out.flush();
            err.flush();
        }
    }
}
