package io.orchion.shell.internal;

import java.time.Instant;
import java.util.Set;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.orchion.api.security.AuditEvent;
import io.orchion.api.security.AuditLog;

/**
 * Records every mutating shell command in the audit log with the user at the other end of the
 * shell socket and whether it failed. Reading commands (nodes, jobs, logs, ...) are not recorded.
 */
@Component
public class ShellAudit implements CommandSessionListener {
    static final String ACTOR = ".orchion.actor";
    /** Commands (without scope) that change something, and the read-only sub-commands among them. */
    static final Set<String> MUTATING = Set.of("submit", "cancel", "drain", "unregister", "scheduler", "token",
            "jointoken", "node", "backup", "loglevel", "install", "uninstall", "start", "stop", "update", "refresh",
            "resolve");
    static final Set<String> READING = Set.of("list", "show", "status", "preview", "");

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile AuditLog audit;

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        // recorded when it ends, with its outcome
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        record(session, command, "error", exception.getMessage());
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        record(session, command, "ok", "");
    }

    /** {@code scope:name sub ...} to an audit action, or null for a reading command. */
    static String action(CharSequence command) {
        String[] words = command.toString().trim().split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
            return null;
        }
        String name = words[0].substring(words[0].indexOf(':') + 1);
        if (!MUTATING.contains(name)) {
            return null;
        }
        String sub = words.length > 1 && !words[1].startsWith("-") ? words[1] : "";
        if (name.equals("scheduler") || name.equals("token") || name.equals("jointoken") || name.equals("loglevel")) {
            if (READING.contains(sub) || (name.equals("loglevel") && words.length < 3)) {
                return null;
            }
            return name + "." + sub;
        }
        if (name.equals("node")) {
            // "node ID" shows a node; "node revoke ID", "node allow ID ..." change one
            return words.length > 2 ? "node." + sub : null;
        }
        return name.equals("submit") ? "job.submit" : name.equals("cancel") ? "job.cancel"
                : name.equals("drain") || name.equals("unregister") ? "node." + name : "shell." + name;
    }

    private void record(CommandSession session, CharSequence command, String outcome, String detail) {
        AuditLog a = audit;
        String action = action(command);
        if (a == null || action == null) {
            return;
        }
        Object actor = session.get(ACTOR);
        String[] words = command.toString().trim().split("\\s+");
        String target = words[words.length - 1];
        boolean hasTarget = words.length > 1 && !target.startsWith("-") && !(words.length == 2 && !action.startsWith("job.")
                && !action.startsWith("node.") && !action.startsWith("shell."));
        a.record(new AuditEvent(Instant.now(), actor == null ? "shell:local" : actor.toString(), action,
                hasTarget ? target : "", "shell", outcome,
                (detail == null || detail.isEmpty() ? "" : detail + "; ") + "command: " + command));
    }
}
