package io.orchion.api;

import java.util.List;

/**
 * A caller sent something the platform refuses. The message names the field and what was wrong
 * with it, and is fit to show to a user as it is.
 */
public class InvalidArgumentException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final List<String> problems;

    public InvalidArgumentException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
        this.problems = List.of(field + ": " + problem);
    }

    /**
     * Several problems at once, each written {@code field: what is wrong}; {@code field} is the
     * first one's field.
     */
    public InvalidArgumentException(String field, List<String> problems) {
        super(String.join("; ", problems));
        this.field = field;
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, each naming its field. */
    public List<String> problems() {
        return problems;
    }

    /** The name of the offending field, as the caller spelled it (e.g. {@code node.id}). */
    public String field() {
        return field;
    }
}
