package io.orchion.api.runtime;

import java.util.Map;

/**
 * How a run ended.
 *
 * @param code   the exit code; -1 when unknown (e.g. a run recovered after an agent restart)
 * @param reason exited, stopped, timeout, or a runtime's own words (e.g. why it could not start)
 * @param result what the run produced for the job record, e.g. an Ollama response and its token
 *               counts; empty for most runtimes. JSON-like values: strings, numbers, booleans,
 *               lists and maps.
 */
public record ExitStatus(int code, String reason, Map<String, Object> result) {
    public ExitStatus {
        result = result == null ? Map.of() : Map.copyOf(result);
    }

    public ExitStatus(int code, String reason) {
        this(code, reason, Map.of());
    }

    public boolean succeeded() {
        return code == 0 && "exited".equals(reason);
    }
}
