package io.orchion.api.security;

import java.util.Optional;

/**
 * Every action that changes something, declared once: the name it is audited as and the role an
 * API token needs to take it. Each channel names the action of each mutating operation (the REST
 * route table, the gRPC method table, the shell's command table) and takes the role from here, so
 * "submitting a job needs operator" is said in one place. Reading is not an action: it needs
 * {@link Role#VIEWER} (the audit log {@link Role#ADMIN}) and is not audited.
 */
public enum Action {
    JOB_SUBMIT("job.submit", Role.OPERATOR),
    JOB_CANCEL("job.cancel", Role.OPERATOR),
    NODE_DRAIN("node.drain", Role.OPERATOR),
    NODE_UNDRAIN("node.undrain", Role.OPERATOR),
    SCHEDULER_USE("scheduler.use", Role.OPERATOR),
    NODE_UNREGISTER("node.unregister", Role.ADMIN),
    NODE_REVOKE("node.revoke", Role.ADMIN),
    NODE_ALLOW("node.allow", Role.ADMIN),
    NODE_DISALLOW("node.disallow", Role.ADMIN),
    /** An admin registering a node by hand (a node registering itself shows its certificate instead). */
    NODE_REGISTER("node.register", Role.ADMIN),
    TOKEN_CREATE("token.create", Role.ADMIN),
    TOKEN_REVOKE("token.revoke", Role.ADMIN),
    JOINTOKEN_CREATE("jointoken.create", Role.ADMIN),
    JOINTOKEN_REVOKE("jointoken.revoke", Role.ADMIN),
    LOGLEVEL_SET("loglevel.set", Role.ADMIN),
    BACKUP("shell.backup", Role.ADMIN),
    /** Fetching a model file into a node's model cache (it takes the node's disk and network). */
    MODEL_FETCH("model.fetch", Role.OPERATOR),
    /** Felix's own bundle commands in the shell. */
    BUNDLE_INSTALL("shell.install", Role.ADMIN),
    BUNDLE_UNINSTALL("shell.uninstall", Role.ADMIN),
    BUNDLE_START("shell.start", Role.ADMIN),
    BUNDLE_STOP("shell.stop", Role.ADMIN),
    BUNDLE_UPDATE("shell.update", Role.ADMIN),
    BUNDLE_REFRESH("shell.refresh", Role.ADMIN),
    BUNDLE_RESOLVE("shell.resolve", Role.ADMIN),
    /** A node joining with a join token: no API token, the join token decides. */
    NODE_JOIN("node.join", null),
    /** A node renewing its own certificate: no API token, its current certificate decides. */
    NODE_RENEW("node.renew", null),
    /** A message on a node's stream about a run that is not that node's: refused and recorded. */
    NODE_MESSAGE("node.message", null);

    private final String id;
    private final Role role;

    Action(String id, Role role) {
        this.id = id;
        this.role = role;
    }

    /** The name in the audit log, e.g. {@code job.submit}. */
    public String id() {
        return id;
    }

    /** The role an API token needs; null for a node's own actions, which no token may take. */
    public Role role() {
        return role;
    }

    /** The action audited as {@code id}. */
    public static Optional<Action> of(String id) {
        for (Action a : values()) {
            if (a.id.equals(id)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
