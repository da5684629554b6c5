package io.orchion.api;

/**
 * A request is well formed but would take the platform past a configured bound (e.g. how many
 * jobs may wait or run at once). The message names the limit, its value and what to do, and is
 * fit to show to a user as it is. REST answers 429, gRPC {@code RESOURCE_EXHAUSTED}: the same
 * request may succeed later, once the total has gone down.
 */
public class LimitExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String limit;
    private final long value;

    /**
     * @param limit   the configuration key of the limit, as an operator would set it
     * @param value   the limit in force
     * @param problem what the request would have exceeded, and what to do
     */
    public LimitExceededException(String limit, long value, String problem) {
        super(limit + " (" + value + "): " + problem);
        this.limit = limit;
        this.value = value;
    }

    /** The configuration key of the limit. */
    public String limit() {
        return limit;
    }

    /** The limit in force. */
    public long value() {
        return value;
    }
}
