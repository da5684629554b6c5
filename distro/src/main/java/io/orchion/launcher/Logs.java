package io.orchion.launcher;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;

/**
 * The platform's own logs: SLF4J on java.util.logging (so levels can change at run time), one line
 * per record on standard output. A record's exception shows as one line unless debugging is on.
 */
final class Logs {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private Logs() {
    }

    static void setup(boolean debug) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        // a StreamHandler on stdout (ConsoleHandler.setOutputStream would close System.err)
        Handler out = new StreamHandler(new PrintStream(System.out, true), new SimpleFormatter()) {
            @Override
            public synchronized void publish(LogRecord record) {
                super.publish(record);
                flush();
            }
        };
        out.setLevel(Level.ALL);
        out.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                String name = r.getLoggerName() == null ? "" : r.getLoggerName();
                String shortName = name.startsWith("io.orchion.") ? name.substring(name.lastIndexOf('.') + 1) : name;
                StringBuilder sb = new StringBuilder(TIME.format(LocalTime.now())).append(' ')
                        .append(String.format("%-5s", level(r.getLevel()))).append(' ').append(shortName).append(": ")
                        .append(formatMessage(r));
                Throwable t = r.getThrown();
                if (t != null) {
                    if (debug) {
                        java.io.StringWriter sw = new java.io.StringWriter();
                        t.printStackTrace(new java.io.PrintWriter(sw));
                        sb.append('\n').append(sw.toString().stripTrailing());
                    } else {
                        sb.append(" (").append(t).append(')');
                    }
                }
                return sb.append('\n').toString();
            }
        });
        root.addHandler(out);
        root.setLevel(debug ? Level.FINE : Level.INFO);
        // third-party chatter stays at warnings unless debugging
        for (String noisy : new String[] { "org.eclipse.jetty", "io.grpc", "oshi", "org.apache.felix.http" }) {
            Logger.getLogger(noisy).setLevel(debug ? Level.INFO : Level.WARNING);
        }
    }

    static String level(Level l) {
        int v = l.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (v >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (v >= Level.INFO.intValue()) {
            return "INFO";
        }
        return "DEBUG";
    }
}
