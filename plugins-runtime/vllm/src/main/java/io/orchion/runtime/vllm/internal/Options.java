package io.orchion.runtime.vllm.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.orchion.runtime.support.ConfigKeys;
import io.orchion.runtime.support.ServerRun;
import io.orchion.runtime.support.Settings;

/**
 * The runtime's configuration (PID {@code io.orchion.runtime.vllm}), parsed once with defaults.
 * A bad value is refused with an {@link io.orchion.api.InvalidArgumentException} naming its key.
 *
 * @param command            the vllm executable and any leading arguments (split on spaces)
 * @param image              the container launcher's image
 * @param checks             how servers are watched (health timeout and interval, threshold, stop grace)
 */
record Options(List<String> command, String image, ServerRun.Checks checks) {

    static final Options DEFAULTS = new Options(List.of("vllm"), "vllm/vllm-openai:latest", ServerRun.Checks.DEFAULTS);

    static final Set<String> KEYS = Stream.concat(Stream.of("command", "image"), ServerRun.Checks.KEYS.stream())
            .collect(Collectors.toUnmodifiableSet());

    Duration healthTimeout() {
        return checks.healthTimeout();
    }

    Duration healthInterval() {
        return checks.healthInterval();
    }

    int unhealthyThreshold() {
        return checks.unhealthyThreshold();
    }

    static Options parse(Map<String, ?> config) {
        ConfigKeys.refuseUnknown(config, KEYS);
        Settings v = new Settings(config, "");
        return new Options(v.words("command", DEFAULTS.command), v.string("image", DEFAULTS.image),
                ServerRun.Checks.read(v, DEFAULTS.checks));
    }
}
