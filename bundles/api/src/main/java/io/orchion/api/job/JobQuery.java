package io.orchion.api.job;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.Validation;

/**
 * Which jobs to list, and which page of them: what REST's {@code GET /api/jobs}, gRPC's
 * {@code ListJobs} and the shell's {@code orchion:jobs} ask the {@link JobService}. Every filter is
 * optional; a job is listed when it passes all of them. Refused values name the parameter as the
 * front ends spell it ({@code state}, {@code node}, {@code label}, {@code limit}).
 *
 * @param state     only jobs in this state; null: every state
 * @param node      only jobs whose current or last run is on this node, by id or display name;
 *                  empty: every node
 * @param labels    only jobs whose spec has each of these labels with this value; empty: no label
 *                  filter
 * @param limit     at most this many jobs on the page, 1 to {@value #MAX_LIMIT}; 0: every matching
 *                  job on one page (for callers in process and gRPC clients that ask for no page)
 * @param pageToken the {@link JobPage#nextPageToken} of the previous page; empty: from the newest
 *                  job
 */
public record JobQuery(JobState state, String node, Map<String, String> labels, int limit, String pageToken) {
    /** The largest page a caller may ask for. */
    public static final int MAX_LIMIT = 1000;
    /** Every job on one page, newest first. */
    public static final JobQuery ALL = new JobQuery(null, "", Map.of(), 0, "");

    /** @throws InvalidArgumentException naming {@code node}, {@code label} or {@code limit} */
    public JobQuery {
        node = node == null || node.isBlank() ? "" : Validation.nodeRef("node", node);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        for (String key : labels.keySet()) {
            if (key.isEmpty()) {
                throw new InvalidArgumentException("label", "a label needs a key: KEY=VALUE");
            }
        }
        if (limit < 0 || limit > MAX_LIMIT) {
            throw new InvalidArgumentException("limit", limit + " is out of range 1.." + MAX_LIMIT
                    + " (or 0 for every matching job)");
        }
        pageToken = pageToken == null ? "" : pageToken.trim();
    }

    /**
     * A query from the words a user typed (REST's query parameters, a gRPC request, shell options).
     *
     * @param state  a job state in any case; null or blank: every state
     * @param labels each {@code KEY=VALUE}; null: none
     * @throws InvalidArgumentException naming the parameter that is wrong
     */
    public static JobQuery of(String state, String node, Collection<String> labels, int limit, String pageToken) {
        return new JobQuery(state(state), node, labels(labels), limit, pageToken);
    }

    /**
     * A job state as a user may write it (any case, spaces around).
     *
     * @return null for null or blank: every state
     * @throws InvalidArgumentException naming {@code state}
     */
    public static JobState state(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JobState.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("state", "'" + text + "' is not a job state (one of "
                    + Arrays.toString(JobState.values()) + ")");
        }
    }

    /**
     * Label filters written {@code KEY=VALUE} (the value may hold {@code =}; it may be empty).
     *
     * @throws InvalidArgumentException naming {@code label}: no {@code =}, an empty key, or one key
     *                                  asked for with two values (no job could match)
     */
    public static Map<String, String> labels(Collection<String> pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        if (pairs == null) {
            return out;
        }
        for (String pair : pairs) {
            int eq = pair == null ? -1 : pair.indexOf('=');
            if (eq <= 0) {
                throw new InvalidArgumentException("label", "'" + pair + "' is not KEY=VALUE");
            }
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            String before = out.putIfAbsent(key, value);
            if (before != null && !before.equals(value)) {
                throw new InvalidArgumentException("label", "'" + key + "' is asked for twice, as '" + before
                        + "' and as '" + value + "'; no job has both");
            }
        }
        return out;
    }
}
