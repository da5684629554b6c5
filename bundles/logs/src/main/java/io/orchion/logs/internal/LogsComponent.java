package io.orchion.logs.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;
import io.orchion.api.Orchion;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobListener;
import io.orchion.api.job.JobService;
import io.orchion.api.log.JobLogs;
import io.orchion.api.log.LogChunk;
import io.orchion.api.log.LogIngest;
import io.orchion.api.log.LogLine;

/**
 * Jobs' logs in the data folder ({@code DATA/logs/JOB-ID/}), one {@link JobLog} per job, each
 * bounded by {@code max.bytes.per.job}. A job's log ends when the job reaches a final state.
 * Configuration PID {@code io.orchion.logs}.
 */
@Component(service = { JobLogs.class, LogIngest.class, JobListener.class }, configurationPid = LogsComponent.PID)
@Designate(ocd = LogsComponent.Config.class)
public class LogsComponent implements JobLogs, LogIngest, JobListener {
    static final String PID = "io.orchion.logs";
    private static final Logger LOG = LoggerFactory.getLogger(LogsComponent.class);
    private static final Pattern JOB_ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$");
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);

    @ObjectClassDefinition(name = "Orchion job logs")
    public @interface Config {
        @AttributeDefinition(name = "max.bytes.per.job", description = "the most bytes kept per job; older lines are dropped")
        long max_bytes_per_job() default 16L << 20;
    }

    private final Path root;
    private final long maxBytes;
    private final Map<String, JobLog> logs = new ConcurrentHashMap<>();
    private final AtomicLong bytesIn = new AtomicLong();
    private final ScheduledExecutorService janitor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "orchion-logs-janitor");
        t.setDaemon(true);
        return t;
    });

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile JobService jobs;

    @Activate
    public LogsComponent(BundleContext context, Config config) {
        String data = context.getProperty(Orchion.DATA_DIR);
        this.root = Path.of(data == null ? "data" : data).toAbsolutePath().resolve("logs");
        if (config.max_bytes_per_job() < 64 * 1024) {
            throw new IllegalArgumentException(PID + " max.bytes.per.job: " + config.max_bytes_per_job()
                    + " is below the minimum of 65536");
        }
        this.maxBytes = config.max_bytes_per_job();
        janitor.scheduleWithFixedDelay(this::closeIdle, 30, 30, TimeUnit.SECONDS);
    }

    /** For tests: a store in {@code root} with no job service. */
    LogsComponent(Path root, long maxBytes) {
        this.root = root;
        this.maxBytes = maxBytes;
    }

    @Deactivate
    void deactivate() {
        janitor.shutdownNow();
        logs.values().forEach(l -> {
            try {
                l.close();
            } catch (IOException e) {
                LOG.warn("logs: closing failed: {}", e.getMessage());
            }
        });
        logs.clear();
    }

    private void closeIdle() {
        logs.forEach((id, l) -> {
            if (l.idleFor(IDLE_NANOS)) {
                try {
                    l.close();
                } catch (IOException e) {
                    LOG.debug("logs: closing {} failed: {}", id, e.getMessage());
                }
                logs.remove(id, l);
            }
        });
    }

    private JobLog log(String jobId) {
        if (jobId == null || !JOB_ID.matcher(jobId).matches() || jobId.contains("..")) {
            throw new InvalidArgumentException("job_id", "'" + jobId + "' is not a job id");
        }
        return logs.computeIfAbsent(jobId, id -> {
            try {
                JobLog l = new JobLog(root.resolve(id), maxBytes);
                JobService js = jobs;
                if (js != null && js.job(id).map(j -> j.state().isFinal()).orElse(false)) {
                    l.markEnded();
                }
                return l;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the log of job " + id + ": " + e.getMessage(), e);
            }
        });
    }

    /** A log to read: the job must exist (when the job service is there to ask). */
    private JobLog known(String jobId) {
        JobService js = jobs;
        if (js != null && jobId != null && js.job(jobId).isEmpty()) {
            throw new NotFoundException("job", jobId);
        }
        return log(jobId);
    }

    @Override
    public LogChunk read(String jobId, long afterSeq, int limit) {
        try {
            return known(jobId).read(afterSeq, Math.max(0, Math.min(limit, 100_000)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the log of job " + jobId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public LogChunk tail(String jobId, int n) {
        try {
            return known(jobId).tail(Math.max(0, Math.min(n, 100_000)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the log of job " + jobId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<Boolean> more(String jobId, long afterSeq) {
        return known(jobId).more(afterSeq);
    }

    @Override
    public long append(String jobId, String runId, List<LogLine> lines) {
        try {
            long high = log(jobId).append(runId, lines, true);
            long bytes = 0;
            for (LogLine l : lines) {
                bytes += l.text().length() + 1;
            }
            bytesIn.addAndGet(bytes);
            return high;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the log of job " + jobId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void note(String jobId, String runId, String text) {
        try {
            log(jobId).append(runId, List.of(new LogLine(0, Instant.now(), runId, "orchion", text)), false);
        } catch (IOException | RuntimeException e) {
            LOG.warn("logs: cannot note on job {}: {}", jobId, e.getMessage());
        }
    }

    /** Bytes of log text taken in since start (for metrics). */
    public long bytesIngested() {
        return bytesIn.get();
    }

    /** The job was forgotten by the retention rule: its log goes too. */
    @Override
    public void jobRemoved(String jobId) {
        if (jobId == null || !JOB_ID.matcher(jobId).matches() || jobId.contains("..")) {
            return;
        }
        JobLog l = logs.remove(jobId);
        try {
            if (l != null) {
                l.close();
            }
            Path dir = root.resolve(jobId);
            if (java.nio.file.Files.isDirectory(dir)) {
                try (var files = java.nio.file.Files.list(dir)) {
                    for (Path f : files.toList()) {
                        java.nio.file.Files.deleteIfExists(f);
                    }
                }
                java.nio.file.Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            LOG.warn("logs: cannot delete the log of {}: {}", jobId, e.getMessage());
        }
    }

    @Override
    public void jobChanged(Job job) {
        if (job.state().isFinal()) {
            JobLog l = logs.get(job.id());
            if (l != null) {
                try {
                    l.end();
                } catch (IOException e) {
                    LOG.warn("logs: closing the log of {} failed: {}", job.id(), e.getMessage());
                }
            }
        }
    }
}
