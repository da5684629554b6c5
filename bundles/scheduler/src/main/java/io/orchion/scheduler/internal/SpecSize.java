package io.orchion.scheduler.internal;

import java.util.Collection;
import java.util.Map;

import io.orchion.api.job.Constraint;
import io.orchion.api.job.JobSpec;

/**
 * About how many bytes a spec holds: the characters of its strings and a few bytes for every
 * other value, walked through its runtime settings, labels and constraints. It is the measure of
 * the bound on what live jobs may carry together, so it counts what can grow with user input and
 * ignores the fixed fields; it is not the JSON size, and need not be.
 */
final class SpecSize {
    /** What a number, flag or entry costs beyond its strings. */
    static final int VALUE = 8;

    private SpecSize() {
    }

    static long of(JobSpec spec) {
        long n = 64 + spec.name().length() + spec.runtime().length();
        n += of(spec.runtimeSettings());
        n += of(spec.labels());
        for (Constraint c : spec.constraints()) {
            n += VALUE + c.label().length() + of(c.in()) + of(c.notIn());
        }
        return n;
    }

    private static long of(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof CharSequence s) {
            return VALUE + s.length();
        }
        if (v instanceof Map<?, ?> m) {
            long n = VALUE;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                n += of(e.getKey()) + of(e.getValue());
            }
            return n;
        }
        if (v instanceof Collection<?> c) {
            long n = VALUE;
            for (Object o : c) {
                n += of(o);
            }
            return n;
        }
        return VALUE;
    }
}
