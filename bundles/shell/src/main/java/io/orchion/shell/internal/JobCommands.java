package io.orchion.shell.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobSpecParser;

/** {@code orchion:validate FILE}: checks a job file against the job-spec schema. */
@Component(service = JobCommands.class, property = { "osgi.command.scope=orchion", "osgi.command.function=validate" })
public class JobCommands {
    private final JobSpecParser parser;

    @Activate
    public JobCommands(@Reference JobSpecParser parser) {
        this.parser = parser;
    }

    @Descriptor("check a job file (YAML or JSON) against the job-spec schema and show what it asks for")
    public Views.Message validate(CommandSession session,
            @Descriptor("the job file; relative paths are taken from the shell's working folder") String file)
            throws IOException {
        Path path = Path.of(file);
        if (!path.isAbsolute()) {
            Object cwd = session.get("_cwd"); // set by bin/orchion shell from the caller's folder
            path = Path.of(cwd == null ? "." : cwd.toString()).resolve(path);
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no such file: " + path);
        }
        String text = Files.readString(path, StandardCharsets.UTF_8);
        try {
            JobSpec s = parser.parse(text);
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
