package io.orchion.store.internal;

import java.nio.file.Path;

import io.orchion.api.job.JobStore;

/** Benchmark access to the real MapDB store (same package, outside OSGi). */
public final class BenchStores {
    private BenchStores() {
    }

    public static JobStore open(Path dir) {
        return new MapDbStore(dir);
    }

    public static void close(JobStore store) {
        ((MapDbStore) store).close();
    }
}
