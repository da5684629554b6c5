package io.orchion.runtime.llamacpp.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.orchion.api.InvalidArgumentException;
import io.orchion.runtime.support.ConfigKeys;
import io.orchion.runtime.support.ServerRun;
import io.orchion.runtime.support.Settings;

/**
 * The runtime's configuration (PID {@code io.orchion.runtime.llamacpp}), parsed once with defaults;
 * a bad value is refused with an {@link InvalidArgumentException} naming its key.
 *
 * @param command the llama-server executable and any leading arguments (split on spaces)
 * @param checks  how servers are watched (health timeout and interval, threshold, stop grace)
 */
record Options(List<String> command, ServerRun.Checks checks) {

    static final Options DEFAULTS = new Options(List.of("llama-server"), ServerRun.Checks.DEFAULTS);

    static final Set<String> KEYS = Stream.concat(Stream.of("command"), ServerRun.Checks.KEYS.stream())
            .collect(Collectors.toUnmodifiableSet());

    static Options parse(Map<String, ?> config) {
        ConfigKeys.refuseUnknown(config, KEYS);
        return new Options(new Settings(config, "").words("command", DEFAULTS.command),
                ServerRun.Checks.read(new Settings(config, ""), DEFAULTS.checks));
    }
}
