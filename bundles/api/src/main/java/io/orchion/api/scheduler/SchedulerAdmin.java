package io.orchion.api.scheduler;

import org.osgi.annotation.versioning.ProviderType;

import io.orchion.api.InvalidArgumentException;

/** Choosing the scheduling strategy at run time (shell, REST, dashboard). */
@ProviderType
public interface SchedulerAdmin {

    StrategyStatus status();

    /**
     * Makes {@code name} the configured strategy: it applies at once, is set in the
     * {@code io.orchion.scheduler} configuration through Configuration Admin, and is written to the
     * configuration folder ({@code io.orchion.scheduler.cfg}), so it survives a restart and an
     * operator can edit it there too.
     *
     * @throws InvalidArgumentException if no installed strategy has that name (the message lists them)
     */
    StrategyStatus use(String name);

    /**
     * Where the pending jobs would go under {@code strategy}, placing nothing: job id to node name,
     * or to "stays pending: why".
     *
     * @throws InvalidArgumentException if no installed strategy has that name
     */
    java.util.Map<String, String> preview(String strategy);
}
