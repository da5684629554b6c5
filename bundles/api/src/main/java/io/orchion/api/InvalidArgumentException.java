package io.orchion.api;

/**
 * A caller sent something the platform refuses. The message names the field and what was wrong
 * with it, and is fit to show to a user as it is.
 */
public class InvalidArgumentException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public InvalidArgumentException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    /** The name of the offending field, as the caller spelled it (e.g. {@code node.id}). */
    public String field() {
        return field;
    }
}
