package io.orchion.runtime.vllm.internal;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.orchion.api.InvalidArgumentException;
import io.orchion.runtime.support.ConfigKeys;
import io.orchion.runtime.support.Settings;

/**
 * The runtime's configuration (PID {@code io.orchion.runtime.vllm}), parsed once with defaults.
 * A bad value is refused with an {@link io.orchion.api.InvalidArgumentException} naming its key.
 *
 * @param command            the vllm executable and any leading arguments (split on spaces)
 * @param image              the container launcher's image
 * @param healthTimeout      how long a server may take to answer /health at start
 * @param healthInterval     how often a running server's /health is checked
 * @param unhealthyThreshold consecutive failed checks after which the server is stopped
 * @param stopGrace          how long a stopped server may take before it is killed
 */
record Options(List<String> command, String image, Duration healthTimeout, Duration healthInterval,
        int unhealthyThreshold, Duration stopGrace) {

    static final Options DEFAULTS = new Options(List.of("vllm"), "vllm/vllm-openai:latest", Duration.ofMinutes(10),
            Duration.ofSeconds(10), 3, Duration.ofSeconds(10));

    static final java.util.Set<String> KEYS = java.util.Set.of("command", "image", "healthTimeout", "healthInterval",
            "unhealthyThreshold", "stopGrace");

    static Options parse(Map<String, ?> config) {
        List<String> unknown = ConfigKeys.unknown(config, KEYS);
        if (!unknown.isEmpty()) {
            throw new InvalidArgumentException(unknown.get(0), ConfigKeys.problem(unknown.get(0), KEYS));
        }
        Settings v = new Settings(config, "");
        String command = v.string("command", null);
        return new Options(command == null ? DEFAULTS.command : Arrays.asList(command.split("\\s+")),
                v.string("image", DEFAULTS.image), v.duration("healthTimeout", DEFAULTS.healthTimeout),
                v.duration("healthInterval", DEFAULTS.healthInterval),
                v.integer("unhealthyThreshold", DEFAULTS.unhealthyThreshold, 1, 1000),
                v.duration("stopGrace", DEFAULTS.stopGrace));
    }
}
