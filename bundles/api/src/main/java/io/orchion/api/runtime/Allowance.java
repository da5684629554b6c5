package io.orchion.api.runtime;

import java.util.Arrays;
import java.util.stream.Collectors;

import io.orchion.api.InvalidArgumentException;

/**
 * What a run may do beyond the default sandbox of its runtime. A job needs an allowance when its
 * spec asks for it; a node grants it only when an admin allowed it there ({@code orchion:node
 * allow}). By default nothing is allowed.
 */
public enum Allowance {
    /** A privileged container ({@code docker.privileged: true}): the host's devices and kernel. */
    PRIVILEGED("privileged"),
    /** A host folder mounted into a container (a {@code docker.volumes} source starting with "/"). */
    HOST_MOUNTS("host-mounts");

    private final String key;

    Allowance(String key) {
        this.key = key;
    }

    /** The name operators type and read: {@code privileged}, {@code host-mounts}. */
    public String key() {
        return key;
    }

    /**
     * The allowance named {@code key}.
     *
     * @throws InvalidArgumentException naming {@code field} for an unknown name
     */
    public static Allowance parse(String field, String key) {
        for (Allowance a : values()) {
            if (a.key.equals(key)) {
                return a;
            }
        }
        throw new InvalidArgumentException(field, "'" + key + "' is not an allowance; use "
                + Arrays.stream(values()).map(Allowance::key).collect(Collectors.joining(" or ")));
    }
}
