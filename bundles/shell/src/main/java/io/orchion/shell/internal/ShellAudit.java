package io.orchion.shell.internal;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.orchion.api.security.Action;
import io.orchion.api.security.AuditEvent;
import io.orchion.api.security.AuditLog;

/**
 * Records every mutating shell command in the audit log with the user at the other end of the
 * shell socket and whether it failed. Reading commands (nodes, jobs, logs, ...) are not recorded.
 */
@Component
public class ShellAudit implements CommandSessionListener {
    static final String ACTOR = ".orchion.actor";
    /**
     * The shell's command table: a command (without scope), or a command and its verb, to the
     * {@link Action} it takes. A command or verb not here reads and is not recorded. The shell is
     * the local admin's (its socket is owner-only), so no role is checked here; the action and its
     * audit name are the same ones REST and gRPC use.
     */
    static final Map<String, Action> COMMANDS = Map.ofEntries(
            Map.entry("submit", Action.JOB_SUBMIT), Map.entry("cancel", Action.JOB_CANCEL),
            Map.entry("drain", Action.NODE_DRAIN), Map.entry("unregister", Action.NODE_UNREGISTER),
            Map.entry("scheduler use", Action.SCHEDULER_USE),
            Map.entry("token create", Action.TOKEN_CREATE), Map.entry("token revoke", Action.TOKEN_REVOKE),
            Map.entry("jointoken create", Action.JOINTOKEN_CREATE),
            Map.entry("jointoken revoke", Action.JOINTOKEN_REVOKE),
            Map.entry("node revoke", Action.NODE_REVOKE), Map.entry("node allow", Action.NODE_ALLOW),
            Map.entry("node disallow", Action.NODE_DISALLOW), Map.entry("loglevel", Action.LOGLEVEL_SET),
            Map.entry("backup", Action.BACKUP), Map.entry("models fetch", Action.MODEL_FETCH), Map.entry("install", Action.BUNDLE_INSTALL),
            Map.entry("uninstall", Action.BUNDLE_UNINSTALL), Map.entry("start", Action.BUNDLE_START),
            Map.entry("stop", Action.BUNDLE_STOP), Map.entry("update", Action.BUNDLE_UPDATE),
            Map.entry("refresh", Action.BUNDLE_REFRESH), Map.entry("resolve", Action.BUNDLE_RESOLVE));

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
     * {@code scope:name [verb] ...} to its audit action and target, or null for a reading command.
     * The target is the {@code --name} value where there is one, else the first operand after the
     * command and verb ({@code drain -u REF}: REF, audited as an undrain); a create without a name
     * has none. {@code loglevel} with no level only shows the levels.
     */
    static Entry entry(CharSequence command) {
        String[] words = command.toString().trim().split("\\s+");
        String name = words[0].substring(words[0].indexOf(':') + 1);
        int verb = 1; // words that make the command
        Action action = words.length > 1 ? COMMANDS.get(name + " " + words[1]) : null;
        if (action != null) {
            verb = 2;
        } else {
            action = COMMANDS.get(name);
        }
        if (action == null || (action == Action.LOGLEVEL_SET && words.length < 3)) {
            return null;
        }
        if (action == Action.NODE_DRAIN && List.of(words).subList(1, words.length).stream()
                .anyMatch(w -> w.equals("-u") || w.equals("--undo"))) {
            action = Action.NODE_UNDRAIN;
        }
        for (int i = verb; i < words.length; i++) {
            if (words[i].equals("--name") && i + 1 < words.length) {
                return new Entry(action.id(), words[i + 1]);
            }
        }
        String target = "";
        if (!action.id().endsWith(".create")) {
            for (int i = verb; i < words.length; i++) {
                if (!words[i].startsWith("-")) {
                    target = words[i];
                    break;
                }
            }
        }
        return new Entry(action.id(), target);
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
