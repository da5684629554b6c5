package io.orchion.runtime.vllm.internal;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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
        if (config != null) {
            for (String key : config.keySet()) {
                if (!KEYS.contains(key) && !isFrameworkKey(key)) {
                    throw new io.orchion.api.InvalidArgumentException(key, "unknown key '" + key + "' (known: "
                            + String.join(", ", KEYS.stream().sorted().toList()) + ")");
                }
            }
        }
        Values v = new Values(config, "");
        String command = v.string("command", null);
        return new Options(command == null ? DEFAULTS.command : Arrays.asList(command.split("\\s+")),
                v.string("image", DEFAULTS.image), v.duration("healthTimeout", DEFAULTS.healthTimeout),
                v.duration("healthInterval", DEFAULTS.healthInterval),
                v.integer("unhealthyThreshold", DEFAULTS.unhealthyThreshold, 1, 1000),
                v.duration("stopGrace", DEFAULTS.stopGrace));
    }

    static boolean isFrameworkKey(String key) {
        return key.equals(io.orchion.api.runtime.ExecutionRuntime.NAME) || key.startsWith("service.") || key.startsWith("component.") || key.startsWith("felix.")
                || key.startsWith("osgi.") || key.endsWith(".target") || key.equals("objectClass");
    }
}
