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

    @Descriptor("'use NAME' switches the strategy (written to conf/, survives a restart); 'preview NAME' shows where "
            + "pending jobs would go under it, placing nothing")
    public Object scheduler(@Descriptor("use or preview") String action, @Descriptor("strategy name") String name) {
        if ("use".equals(action)) {
            return admin.use(name);
        }
        if ("preview".equals(action)) {
            var where = admin.preview(name);
            if (where.isEmpty()) {
                return new Views.Message("No pending jobs.");
            }
            Table t = new Table("JOB", "UNDER " + name.toUpperCase(java.util.Locale.ROOT));
            where.forEach(t::row);
            return new Views.Message(t.toString());
        }
        throw new IllegalArgumentException("unknown action '" + action + "'; try: orchion:scheduler use NAME, "
                + "orchion:scheduler preview NAME");
    }
}
