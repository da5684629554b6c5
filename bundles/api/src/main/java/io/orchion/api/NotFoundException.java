package io.orchion.api;

/** A caller named something the platform does not know (a node id, later a job id). */
public class NotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String kind;
    private final String id;

    public NotFoundException(String kind, String id) {
        super("no " + kind + " with id '" + id + "'");
        this.kind = kind;
        this.id = id;
    }

    public String kind() {
        return kind;
    }

    public String id() {
        return id;
    }
}
