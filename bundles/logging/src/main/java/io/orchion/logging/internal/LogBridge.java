package io.orchion.logging.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards OSGi log entries (Declarative Services, FileInstall, any bundle using the Log Service)
 * to SLF4J, so they share the platform's one-line format and no stack trace reaches an operator
 * unless debugging is on. Entries logged before the bridge started are replayed once. Only warnings
 * and errors show by default; the rest is at debug level.
 */
@Component(immediate = true)
public class LogBridge implements LogListener {
    private final LogReaderService reader;

    @Activate
    public LogBridge(@Reference LogReaderService reader) {
        this.reader = reader;
        List<LogEntry> earlier = new ArrayList<>();
        for (Enumeration<LogEntry> e = reader.getLog(); e.hasMoreElements();) {
            earlier.add(e.nextElement());
        }
        Collections.reverse(earlier); // getLog() is newest first
        earlier.forEach(this::logged);
        reader.addLogListener(this);
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        String name = entry.getBundle() == null ? "osgi" : entry.getBundle().getSymbolicName();
        Logger log = LoggerFactory.getLogger(name);
        String message = entry.getMessage();
        Throwable t = entry.getException();
        // INFO from the Log Service is mostly the framework's own bundle and service events:
        // debugging material, not what an operator reads
        switch (entry.getLogLevel()) {
            case AUDIT, ERROR -> log.error(message, t);
            case WARN -> log.warn(message, t);
            default -> log.debug(message, t);
        }
    }
}
