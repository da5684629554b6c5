package io.orchion.scheduler.internal;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

import io.orchion.api.scheduler.SchedulingStrategy;
import io.orchion.api.scheduler.StrategyStatus;

/**
 * Which strategy is active: the configured one when it is installed; otherwise the default, and
 * the reason is kept for operators. Strategies come and go as their bundles do.
 */
final class StrategySelection {
    static final String DEFAULT = "gpu-aware";
    static final String NONE = "no scheduling strategy is installed; jobs stay pending";

    private final Map<String, SchedulingStrategy> installed = new ConcurrentSkipListMap<>();
    private String configured = DEFAULT;
    private String active = "";
    private String reason = NONE;
    private Instant since = Instant.now();

    /** Adds or removes a strategy; returns a log line if the active one changed. */
    synchronized String installed(String name, SchedulingStrategy s) {
        installed.put(name, s);
        return reselect();
    }

    synchronized String removed(String name) {
        installed.remove(name);
        return reselect();
    }

    synchronized String configure(String name) {
        configured = name == null || name.isBlank() ? DEFAULT : name.trim();
        return reselect();
    }

    synchronized boolean isInstalled(String name) {
        return installed.containsKey(name);
    }

    synchronized SchedulingStrategy active() {
        return installed.get(active);
    }

    synchronized SchedulingStrategy get(String name) {
        return installed.get(name);
    }

    synchronized StrategyStatus status() {
        return new StrategyStatus(active, configured, List.copyOf(installed.keySet()), reason, since);
    }

    private String reselect() {
        String next;
        String why;
        if (installed.containsKey(configured)) {
            next = configured;
            why = "";
        } else if (installed.containsKey(DEFAULT)) {
            next = DEFAULT;
            why = configured + " is not installed; using the default, " + DEFAULT;
        } else if (!installed.isEmpty()) {
            next = installed.keySet().iterator().next();
            why = configured + " and the default " + DEFAULT + " are not installed; using " + next;
        } else {
            next = "";
            why = NONE;
        }
        String previous = active;
        boolean changed = !next.equals(previous) || !why.equals(reason);
        if (!next.equals(previous)) {
            since = Instant.now();
        }
        active = next;
        reason = why;
        if (!changed) {
            return null;
        }
        return "scheduler: strategy " + (next.isEmpty() ? "(none)" : next)
                + (previous.isEmpty() || previous.equals(next) ? "" : " (was " + previous + ")")
                + (why.isEmpty() ? "" : ": " + why);
    }
}
