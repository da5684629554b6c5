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
        record(session, command, outcome(exception), exception.getMessage());
    }

    /** A refusal of bad input or an unknown target is said as such, as REST and gRPC say it. */
    static String outcome(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof io.orchion.api.InvalidArgumentException || t instanceof IllegalArgumentException) {
                return "invalid";
            }
            if (t instanceof io.orchion.api.NotFoundException) {
                return "not-found";
            }
            if (t instanceof SecurityException) {
                return "denied";
            }
        }
        return "error";
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        record(session, command, "ok", "");
    }

    /** What a mutating command is recorded as. */
    record Entry(String action, String target) {
    }

    /**
     * {@code scope:name [sub] ...} to its audit action and target, or null for a reading command.
     * The target is the {@code --name} value where there is one, else the first operand after the
     * verb ({@code drain -u REF}: REF); a create without a name has none.
     */
    static Entry entry(CharSequence command) {
        String[] words = command.toString().trim().split("\\s+");
        String name = words[0].substring(words[0].indexOf(':') + 1);
        if (!MUTATING.contains(name)) {
            return null;
        }
        String sub = words.length > 1 ? words[1] : "";
        String action;
        int verb = 1; // words that make the verb
        switch (name) {
            case "scheduler", "token", "jointoken" -> {
                if (READING.contains(sub) || sub.startsWith("-")) {
                    return null;
                }
                action = name + "." + sub;
                verb = 2;
            }
            case "loglevel" -> {
                if (words.length < 3) {
                    return null; // shows the levels
                }
                action = "loglevel.set";
            }
            case "node" -> {
                if (words.length < 3) {
                    return null; // "node ID" shows a node; "node revoke ID", "node allow ID ..." change one
                }
                action = "node." + sub;
                verb = 2;
            }
            case "submit", "cancel" -> action = "job." + name;
            case "drain", "unregister" -> action = "node." + name;
            default -> action = "shell." + name;
        }
        String target = "";
        for (int i = verb; i < words.length; i++) {
            if (words[i].equals("--name") && i + 1 < words.length) {
                return new Entry(action, words[i + 1]);
            }
        }
        if (!action.endsWith(".create")) {
            for (int i = verb; i < words.length; i++) {
                if (!words[i].startsWith("-")) {
                    target = words[i];
                    break;
                }
            }
        }
        return new Entry(action, target);
    }

    private void record(CommandSession session, CharSequence command, String outcome, String detail) {
        AuditLog a = audit;
        Entry e = a == null ? null : entry(command);
        if (e == null) {
            return;
        }
        Object actor = session.get(ACTOR);
        a.record(new AuditEvent(Instant.now(), actor == null ? "shell:local" : actor.toString(), e.action(), e.target(),
                "shell", outcome, (detail == null || detail.isEmpty() ? "" : detail + "; ") + "command: " + command));
    }
}
