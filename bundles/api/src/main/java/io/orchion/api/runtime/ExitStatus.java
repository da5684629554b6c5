package io.orchion.api.runtime;

/**
 * How a run ended.
 *
 * @param code   the exit code; -1 when unknown (e.g. a run recovered after an agent restart)
 * @param reason exited, stopped, timeout, or a runtime's own word
 */
public record ExitStatus(int code, String reason) {
    public boolean succeeded() {
        return code == 0 && "exited".equals(reason);
    }
}
