package io.orchion.shell.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.Validation;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobSpecParser;
import io.orchion.api.NotFoundException;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobQuery;
import io.orchion.api.job.JobService;
import io.orchion.api.node.NodeRegistry;

/**
 * {@code orchion:validate FILE}, {@code orchion:submit FILE}, {@code orchion:jobs [--state S] [--node N]
 * [--label K=V] [--limit N] [--page-token T]},
 * {@code orchion:job ID}, {@code orchion:cancel ID}.
 */
@Component(service = JobCommands.class, property = { "osgi.command.scope=orchion", "osgi.command.function=validate",
        "osgi.command.function=submit", "osgi.command.function=jobs", "osgi.command.function=job",
        "osgi.command.function=cancel" })
public class JobCommands {
    private final JobSpecParser parser;
    private final JobService jobs;
    private final NodeRegistry registry;

    @Activate
    public JobCommands(@Reference JobSpecParser parser, @Reference JobService jobs, @Reference NodeRegistry registry) {
        this.parser = parser;
        this.jobs = jobs;
        this.registry = registry;
    }

    @Descriptor("submit a job file (YAML or JSON); it is stored before this returns")
    public Views.JobDetail submit(CommandSession session, @Descriptor("the job file") String file) throws IOException {
        Path path = resolve(session, file);
        JobSpec spec;
        try {
            spec = parser.parse(specText(path));
        } catch (InvalidArgumentException e) {
            throw new IllegalArgumentException(path.getFileName() + " is not a valid job spec:\n  "
                    + e.problems().stream().collect(Collectors.joining("\n  ")));
        }
        return new Views.JobDetail(jobs.submit(spec), "");
    }

    @Descriptor("list jobs, newest first: state, node, attempts, exit code, and why a pending one waits")
    public Views.JobList jobs(
            @Descriptor("only jobs in this state, e.g. running") @Parameter(names = { "-s", "--state" },
                    absentValue = "") String state,
            @Descriptor("only jobs on this node (id or name)") @Parameter(names = { "--node" },
                    absentValue = "") String node,
            @Descriptor("only jobs with this label, KEY=VALUE") @Parameter(names = { "--label" },
                    absentValue = "") String label,
            @Descriptor("at most N jobs, 1 to 1000 (default: all)") @Parameter(names = { "--limit" },
                    absentValue = "0") int limit,
            @Descriptor("go on from a previous page (its last line names the token)") @Parameter(names = {
                    "--page-token" }, absentValue = "") String pageToken) {
        JobQuery query = JobQuery.of(state, node, label.isEmpty() ? List.of() : List.of(label), limit, pageToken);
        Map<String, String> names = new HashMap<>();
        registry.nodes().forEach(n -> names.put(n.id(), n.name()));
        return new Views.JobList(jobs.jobs(query), names, !query.equals(JobQuery.ALL));
    }

    @Descriptor("show one job with its state history")
    public Views.JobDetail job(@Descriptor("job id or a unique prefix of it") String ref) {
        Job j = find(ref);
        return new Views.JobDetail(j, registry.node(j.nodeId()).map(n -> n.name()).orElse(j.nodeId()));
    }

    @Descriptor("cancel a job: a pending one at once, a running one by stopping its whole process tree")
    public Views.JobDetail cancel(@Descriptor("job id or a unique prefix of it") String ref) {
        Job j = jobs.cancel(find(ref).id());
        return new Views.JobDetail(j, registry.node(j.nodeId()).map(n -> n.name()).orElse(j.nodeId()));
    }

    private Job find(String ref) {
        var exact = io.orchion.api.Validation.isJobId(ref) ? jobs.job(ref) : java.util.Optional.<Job>empty();
        if (exact.isPresent()) {
            return exact.get();
        }
        List<Job> matches = jobs.jobs().stream().filter(j -> j.id().startsWith(ref)).toList();
        if (matches.size() == 1) {
            return matches.get(0);
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException("'" + ref + "' matches " + matches.size() + " jobs; type more of the id");
        }
        throw new NotFoundException("job", ref);
    }

    private static Path resolve(CommandSession session, String file) {
        Path path = Path.of(file);
        if (!path.isAbsolute()) {
            Object cwd = session.get("_cwd"); // set by bin/orchion shell from the caller's folder
            path = Path.of(cwd == null ? "." : cwd.toString()).resolve(path);
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no such file: " + path);
        }
        return path;
    }

    /** A job file's text: at most the parser's limit, read as strict UTF-8 (never with bytes replaced). */
    static String specText(Path path) throws IOException {
        long size = Files.size(path);
        if (size > JobSpecParser.MAX_SPEC_BYTES) {
            throw new InvalidArgumentException("spec", "larger than the limit of " + (JobSpecParser.MAX_SPEC_BYTES >> 10)
                    + " KiB (" + JobSpecParser.MAX_SPEC_BYTES + " bytes of UTF-8): this file has " + size + " bytes");
        }
        return Validation.utf8("spec", Files.readAllBytes(path));
    }

    @Descriptor("check a job file (YAML or JSON) against the job-spec schema and show what it asks for")
    public Views.Message validate(CommandSession session,
            @Descriptor("the job file; relative paths are taken from the shell's working folder") String file)
            throws IOException {
        Path path = resolve(session, file);
        try {
            JobSpec s = parser.parse(specText(path));
            return new Views.Message("OK: " + s.name() + " (runtime " + s.runtime() + "), cpu " + s.resources().cpu()
                    + ", memory " + ShellFormats.bytes(s.resources().memoryBytes()) + ", GPUs " + s.resources().gpus()
                    + (s.resources().gpus() > 0 ? " x " + ShellFormats.bytes(s.resources().gpuMemoryBytes()) : "")
                    + ", priority " + s.priority() + ", restart attempts " + s.restart().attempts()
                    + (s.timeout() == null ? "" : ", timeout " + s.timeout().toString().substring(2).toLowerCase()));
        } catch (InvalidArgumentException e) {
            throw new IllegalArgumentException(path.getFileName() + " is not a valid job spec:\n  "
                    + e.problems().stream().collect(Collectors.joining("\n  ")));
        }
    }
}
