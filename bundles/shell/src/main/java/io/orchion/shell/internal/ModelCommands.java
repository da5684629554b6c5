package io.orchion.shell.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.orchion.api.model.ModelFiles;
import io.orchion.api.model.ModelSource;

/**
 * {@code orchion:models}: this node's model cache, in the agent and all-in-one profiles. An
 * operator can fill a node's cache ahead of a deployment ({@code fetch}), e.g. before taking the
 * node somewhere with a slow line; a fetch shows its progress and can be stopped with Ctrl-C (what
 * arrived is kept, and the next fetch resumes).
 */
@Component(service = ModelCommands.class, property = { "osgi.command.scope=orchion", "osgi.command.function=models" })
public class ModelCommands {
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);
    private final ModelFiles files;

    @Activate
    public ModelCommands(@Reference ModelFiles files) {
        this.files = files;
    }

    @Descriptor("list the model files in this node's cache")
    public Views.ModelList models() throws IOException {
        return new Views.ModelList(files.cached());
    }

    @Descriptor("fetch a model file into this node's cache: fetch SOURCE (an absolute path, an http(s) URL or "
            + "hf:OWNER/REPO/FILE[@REVISION])")
    public Object models(@Descriptor("fetch") String action, @Descriptor("the model's source") String source)
            throws Exception {
        return models(action, source, null);
    }

    @Descriptor("fetch a model file into this node's cache and check its SHA-256: fetch SOURCE SHA256")
    public Object models(@Descriptor("fetch") String action, @Descriptor("the model's source") String source,
            @Descriptor("the file's SHA-256, 64 hex digits") String sha256) throws Exception {
        if (!"fetch".equals(action)) {
            throw new IllegalArgumentException("unknown action '" + action + "'; try: orchion:models fetch SOURCE [SHA256]");
        }
        ModelSource s = ModelSource.parse(source, sha256);
        long[] last = { System.nanoTime() };
        Path file = files.fetch(s, (done, total) -> {
            if (System.nanoTime() - last[0] >= PROGRESS_EVERY_NANOS) {
                last[0] = System.nanoTime();
                System.out.println("fetched " + ShellFormats.bytes(done)
                        + (total > 0 ? " of " + ShellFormats.bytes(total) + " (" + done * 100 / total + "%)" : ""));
            }
        });
        return new Views.Message("Model " + s + " is at " + file);
    }
}
