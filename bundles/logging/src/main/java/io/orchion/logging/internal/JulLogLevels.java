package io.orchion.logging.internal;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

import org.osgi.service.component.annotations.Component;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.logging.LogLevels;

/**
 * Log levels on java.util.logging, which carries the platform's SLF4J logs (slf4j-jdk14 in the
 * launcher). Loggers whose level was set here are held, since java.util.logging forgets an
 * unreferenced logger and its level.
 */
@Component
public class JulLogLevels implements LogLevels {
    private final Map<String, Logger> held = new ConcurrentHashMap<>();

    @Override
    public Map<String, String> levels() {
        Map<String, String> out = new TreeMap<>();
        LogManager lm = LogManager.getLogManager();
        for (String name : Collections.list(lm.getLoggerNames())) {
            Logger l = lm.getLogger(name);
            if (l != null && l.getLevel() != null) {
                out.put(name.isEmpty() ? ROOT : name, name(l.getLevel()));
            }
        }
        out.putIfAbsent(ROOT, "INFO");
        return out;
    }

    @Override
    public String set(String logger, String level) {
        String name = logger == null || logger.isBlank() || ROOT.equalsIgnoreCase(logger) ? "" : logger.trim();
        Level jul = level == null || "INHERIT".equalsIgnoreCase(level.trim()) ? null : parse(level);
        if (jul == null && name.isEmpty()) {
            throw new InvalidArgumentException("level", "the root logger needs a level (ERROR, WARN, INFO, DEBUG or TRACE)");
        }
        Logger l = Logger.getLogger(name);
        l.setLevel(jul);
        if (jul == null) {
            held.remove(name);
        } else {
            held.put(name, l);
        }
        Logger p = l;
        while (p.getLevel() == null && p.getParent() != null) {
            p = p.getParent();
        }
        return p.getLevel() == null ? "INFO" : name(p.getLevel());
    }

    static Level parse(String level) {
        return switch (level.trim().toUpperCase(Locale.ROOT)) {
            case "ERROR" -> Level.SEVERE;
            case "WARN", "WARNING" -> Level.WARNING;
            case "INFO" -> Level.INFO;
            case "DEBUG" -> Level.FINE;
            case "TRACE" -> Level.FINEST;
            case "OFF" -> Level.OFF;
            default -> throw new InvalidArgumentException("level", "'" + level
                    + "' is not one of ERROR, WARN, INFO, DEBUG, TRACE, OFF (or INHERIT to clear)");
        };
    }

    static String name(Level l) {
        int v = l.intValue();
        if (v == Level.OFF.intValue()) {
            return "OFF";
        }
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (v >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (v >= Level.INFO.intValue()) {
            return "INFO";
        }
        if (v >= Level.FINE.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }
}
