package io.orchion.shell.internal;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.orchion.api.logging.LogLevels;

/** {@code orchion:loglevel [LOGGER] [LEVEL]}: the platform log's levels, shown and changed at run time. */
@Component(service = LogLevelCommands.class, property = { "osgi.command.scope=orchion",
        "osgi.command.function=loglevel" })
public class LogLevelCommands {
    private final LogLevels levels;

    @Activate
    public LogLevelCommands(@Reference LogLevels levels) {
        this.levels = levels;
    }

    @Descriptor("show the log levels in force (the root and every logger set)")
    public Views.Message loglevel() {
        Table t = new Table("LOGGER", "LEVEL");
        levels.levels().forEach(t::row);
        return new Views.Message(t.toString());
    }

    @Descriptor("set the root level: ERROR, WARN, INFO, DEBUG or TRACE (until the next restart)")
    public Views.Message loglevel(@Descriptor("level") String level) {
        return loglevel(LogLevels.ROOT, level);
    }

    @Descriptor("set a logger's level, e.g. 'orchion:loglevel io.orchion.scheduler DEBUG'; INHERIT clears it")
    public Views.Message loglevel(@Descriptor("logger name (a prefix such as io.orchion.scheduler) or ROOT") String logger,
            @Descriptor("ERROR, WARN, INFO, DEBUG, TRACE or INHERIT") String level) {
        String now = levels.set(logger, level);
        return new Views.Message((logger == null || logger.isBlank() ? LogLevels.ROOT : logger) + " logs at " + now);
    }
}
