package io.orchion.api.job;

import java.util.Arrays;
import java.util.Optional;

/** What an agent says about a run ({@link RunReport#phase}); on the wire, the name in {@code RunUpdate.state}. */
public enum RunPhase {
    /** The agent took the assignment and is preparing the run. */
    ACCEPTED,
    /** The run started (a server run names its endpoint). */
    RUNNING,
    /** The run ended, with an exit code and a reason (exited, stopped, timeout). */
    EXITED,
    /** The run could not start; the message says why. */
    FAILED_TO_START,
    /** How far a long step (an image or model pull) has come; not stored. */
    PROGRESS,
    /** A message about the run that changes no state (e.g. "pulling image", "unhealthy"). */
    STATUS;

    /** Whether the run is over: it holds nothing on its node any more. */
    public boolean ended() {
        return this == EXITED || this == FAILED_TO_START;
    }

    /** The phase of this exact name (as the wire carries it); empty for anything else. */
    public static Optional<RunPhase> find(String name) {
        for (RunPhase p : values()) {
            if (p.name().equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The names, for an error that lists what would have been understood. */
    public static String names() {
        return Arrays.toString(values());
    }
}
