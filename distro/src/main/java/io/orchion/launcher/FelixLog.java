package io.orchion.launcher;

import java.util.logging.Level;

import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** Routes the Felix framework's own messages into the platform log, one line each. */
final class FelixLog extends org.apache.felix.framework.Logger {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger("felix");

    @Override
    protected void doLog(Bundle bundle, @SuppressWarnings("rawtypes") ServiceReference sr, int level, String msg,
            Throwable throwable) {
        Level l = switch (level) {
            case LOG_ERROR -> Level.SEVERE;
            case LOG_WARNING -> Level.WARNING;
            case LOG_INFO -> Level.INFO;
            default -> Level.FINE;
        };
        String who = bundle == null ? "" : "[" + bundle.getSymbolicName() + "] ";
        Throwable root = throwable;
        while (root != null && root.getCause() != null) {
            root = root.getCause();
        }
        LOG.log(l, who + msg + (root == null ? "" : ": " + root));
    }
}
