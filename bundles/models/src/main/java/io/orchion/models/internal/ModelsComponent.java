package io.orchion.models.internal;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.orchion.api.Orchion;
import io.orchion.api.model.CachedModel;
import io.orchion.api.model.ModelFiles;
import io.orchion.api.model.ModelSource;

/**
 * The node's {@link ModelFiles}: a {@link ModelCache} in {@code DATA/models} unless configured
 * elsewhere. Configuration PID {@code io.orchion.models}; a changed configuration restarts the
 * component (a download under way is stopped and resumes on the next fetch).
 */
@Component(service = ModelFiles.class, configurationPid = ModelsComponent.PID)
@Designate(ocd = ModelsComponent.Config.class)
public class ModelsComponent implements ModelFiles {
    static final String PID = "io.orchion.models";

    @ObjectClassDefinition(name = "Orchion model files")
    public @interface Config {
        @AttributeDefinition(name = "cache.dir", description = "the model cache folder; empty for DATA/models")
        String cache_dir() default "";

        @AttributeDefinition(name = "huggingface.endpoint", description = "where hf:OWNER/REPO/FILE sources are "
                + "resolved: https://huggingface.co, or a mirror")
        String huggingface_endpoint() default "https://huggingface.co";

        @AttributeDefinition(name = "stall.timeout.ms", description = "a download whose server sends nothing for "
                + "this long is given up (and resumes on the next try)")
        long stall_timeout_ms() default 60_000;

        @AttributeDefinition(name = "reserve.bytes", description = "free disk space a download must leave")
        long reserve_bytes() default 1L << 30;
    }

    private final ModelCache cache;

    @Activate
    public ModelsComponent(BundleContext context, Config config) {
        this.cache = new ModelCache(settings(config, context.getProperty(Orchion.DATA_DIR)));
    }

    /** The configuration as settings, or an error naming the key and the value that is wrong. */
    static ModelCache.Settings settings(Config config, String dataDir) {
        Path dir;
        if (config.cache_dir() == null || config.cache_dir().isBlank()) {
            dir = Path.of(dataDir == null ? "data" : dataDir, "models");
        } else {
            dir = Path.of(config.cache_dir().strip());
            if (!dir.isAbsolute()) {
                throw new IllegalArgumentException(PID + " cache.dir: '" + config.cache_dir() + "' is not an absolute path");
            }
        }
        URI hf;
        try {
            hf = new URI(config.huggingface_endpoint().strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(PID + " huggingface.endpoint: '" + config.huggingface_endpoint()
                    + "' is not a URL: " + e.getReason());
        }
        String scheme = hf.getScheme() == null ? "" : hf.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || hf.getHost() == null) {
            throw new IllegalArgumentException(PID + " huggingface.endpoint: '" + config.huggingface_endpoint()
                    + "' is not an http(s) URL with a host");
        }
        if (config.stall_timeout_ms() < 1000) {
            throw new IllegalArgumentException(PID + " stall.timeout.ms: " + config.stall_timeout_ms()
                    + " is under 1000");
        }
        if (config.reserve_bytes() < 0) {
            throw new IllegalArgumentException(PID + " reserve.bytes: " + config.reserve_bytes() + " is negative");
        }
        return new ModelCache.Settings(dir.toAbsolutePath().normalize(), hf, Duration.ofMillis(config.stall_timeout_ms()),
                config.reserve_bytes());
    }

    @Deactivate
    void deactivate() {
        cache.close();
    }

    @Override
    public Path fetch(ModelSource source, Progress progress) throws ModelFetchException, InterruptedException {
        return cache.fetch(source, progress);
    }

    @Override
    public List<CachedModel> cached() throws IOException {
        return cache.cached();
    }
}
