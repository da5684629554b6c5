package io.orchion.models.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.annotation.Annotation;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The model cache's configuration: defaults, and each bad value named with its key. */
class ModelsComponentTest {

    static ModelsComponent.Config config(String dir, String hf, long stallMs, long reserve) {
        return new ModelsComponent.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ModelsComponent.Config.class;
            }

            @Override
            public String cache_dir() {
                return dir;
            }

            @Override
            public String huggingface_endpoint() {
                return hf;
            }

            @Override
            public long stall_timeout_ms() {
                return stallMs;
            }

            @Override
            public long reserve_bytes() {
                return reserve;
            }
        };
    }

    static String refused(ModelsComponent.Config c) {
        return assertThrows(IllegalArgumentException.class, () -> ModelsComponent.settings(c, "/var/orchion")).getMessage();
    }

    @Test
    void theDefaultsPutTheCacheInTheDataFolder() {
        ModelCache.Settings s = ModelsComponent.settings(config("", "https://huggingface.co", 60_000, 1L << 30),
                "/var/orchion");
        assertEquals(new ModelCache.Settings(Path.of("/var/orchion/models"), URI.create("https://huggingface.co"),
                Duration.ofMinutes(1), 1L << 30), s);
    }

    @Test
    void aMirrorAndAnotherFolderAreTaken() {
        ModelCache.Settings s = ModelsComponent.settings(config("/srv/models/", " http://mirror.lan:8000/hf ", 5000, 0),
                "/var/orchion");
        assertEquals(Path.of("/srv/models"), s.dir());
        assertEquals(URI.create("http://mirror.lan:8000/hf"), s.huggingFace());
    }

    @Test
    void eachBadValueIsNamedWithItsKey() {
        assertEquals("io.orchion.models cache.dir: 'models' is not an absolute path",
                refused(config("models", "https://huggingface.co", 60_000, 0)));
        assertEquals("io.orchion.models huggingface.endpoint: 'ftp://h' is not an http(s) URL with a host",
                refused(config("", "ftp://h", 60_000, 0)));
        assertEquals("io.orchion.models huggingface.endpoint: 'http://h h' is not a URL: Illegal character in authority",
                refused(config("", "http://h h", 60_000, 0)));
        assertEquals("io.orchion.models stall.timeout.ms: 10 is under 1000", refused(config("", "https://h", 10, 0)));
        assertEquals("io.orchion.models reserve.bytes: -1 is negative", refused(config("", "https://h", 1000, -1)));
    }
}
