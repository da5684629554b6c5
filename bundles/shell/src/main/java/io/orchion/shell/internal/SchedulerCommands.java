package io.orchion.shell.internal;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.orchion.api.scheduler.SchedulerAdmin;
import io.orchion.api.scheduler.StrategyStatus;

/** {@code orchion:scheduler} and {@code orchion:scheduler use NAME}. */
@Component(service = SchedulerCommands.class, property = { "osgi.command.scope=orchion",
        "osgi.command.function=scheduler" })
public class SchedulerCommands {
    private final SchedulerAdmin admin;

    @Activate
    public SchedulerCommands(@Reference SchedulerAdmin admin) {
        this.admin = admin;
    }

    @Descriptor("show the active scheduling strategy and the available ones")
    public StrategyStatus scheduler() {
        return admin.status();
    }

    @Descriptor("switch the scheduling strategy; it is written to conf/io.orchion.scheduler.cfg and survives a restart")
    public StrategyStatus scheduler(@Descriptor("use") String action, @Descriptor("strategy name") String name) {
        if (!"use".equals(action)) {
            throw new IllegalArgumentException("unknown action '" + action + "'; try: orchion:scheduler use NAME");
        }
        return admin.use(name);
    }
}
