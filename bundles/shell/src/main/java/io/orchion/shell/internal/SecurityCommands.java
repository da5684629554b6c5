package io.orchion.shell.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.security.ApiTokens;
import io.orchion.api.security.AuditEvent;
import io.orchion.api.security.AuditLog;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.api.security.IssuedJoinToken;
import io.orchion.api.security.IssuedToken;
import io.orchion.api.security.JoinTokenInfo;
import io.orchion.api.security.Role;
import io.orchion.api.security.TokenInfo;

/**
 * {@code orchion:token}, {@code orchion:jointoken}, {@code orchion:audit} and {@code orchion:ca}:
 * API tokens, join tokens, the audit log and the CA certificate. The shell is the admin's own
 * tool: it is reached through a socket in the data folder that only the owner can open.
 */
@Component(service = SecurityCommands.class, property = { "osgi.command.scope=orchion",
        "osgi.command.function=token", "osgi.command.function=jointoken",
        "osgi.command.function=audit", "osgi.command.function=ca", "osgi.command.function=certs" })
public class SecurityCommands {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private final ApiTokens tokens;
    private final CertificateAuthority ca;
    private final AuditLog audit;

    @Activate
    public SecurityCommands(@Reference ApiTokens tokens, @Reference CertificateAuthority ca, @Reference AuditLog audit) {
        this.tokens = tokens;
        this.ca = ca;
        this.audit = audit;
    }

    @Descriptor("API tokens: create --role admin|operator|viewer --name NAME [--ttl 30d], list")
    public String token(
            @Descriptor("admin, operator, viewer or inference") @Parameter(names = { "-r", "--role" }, absentValue = "") String role,
            @Descriptor("a name for the token (who or what uses it)") @Parameter(names = { "-n", "--name" }, absentValue = "") String name,
            @Descriptor("lifetime, e.g. 12h or 90d; none: no expiry") @Parameter(names = { "--ttl" }, absentValue = "") String ttl,
            @Descriptor("create or list") String action) {
        switch (action) {
            case "create" -> {
                if (role.isBlank()) {
                    throw new InvalidArgumentException("--role", "required: admin, operator, viewer or inference");
                }
                if (name.isBlank()) {
                    throw new InvalidArgumentException("--name", "required: who or what will use the token");
                }
                IssuedToken t = tokens.create(name, Role.parse("--role", role), duration("--ttl", ttl));
                return "Token " + t.info().name() + " (" + t.info().id() + "), role " + t.info().role().label()
                        + (t.info().expires() == null ? ", no expiry" : ", expires " + TIME.format(t.info().expires()))
                        + ".\nIt is shown this once only; keep it safe:\n\n  " + t.token() + "\n";
            }
            case "list" -> {
                List<TokenInfo> all = tokens.list();
                Table t = new Table("ID", "NAME", "ROLE", "CREATED", "EXPIRES", "LAST USED");
                for (TokenInfo i : all) {
                    t.row(i.id(), i.name(), i.role().label(), TIME.format(i.created()),
                            i.expires() == null ? "never" : TIME.format(i.expires()),
                            i.lastUsed() == null ? "-" : TIME.format(i.lastUsed()));
                }
                return all.isEmpty() ? "No API tokens." : t.toString();
            }
            default -> throw new InvalidArgumentException("action", "'" + action + "' is not create, list or revoke");
        }
    }

    @Descriptor("revoke an API token: token revoke ID|NAME")
    public String token(@Descriptor("revoke") String action, @Descriptor("the token's id or name") String ref) {
        if (!action.equals("revoke")) {
            throw new InvalidArgumentException("action", "'" + action + "' is not create, list or revoke");
        }
        TokenInfo t = tokens.revoke(ref);
        return "Token " + t.name() + " (" + t.id() + ") revoked; it no longer works.";
    }

    @Descriptor("join tokens for agents: create [--ttl 24h] [--uses 1] [--note TEXT], list")
    public String jointoken(
            @Descriptor("lifetime, e.g. 1h or 7d (default 24h); 0: no expiry") @Parameter(names = { "--ttl" }, absentValue = "24h") String ttl,
            @Descriptor("how many agents may join with it (default 1)") @Parameter(names = { "--uses" }, absentValue = "1") int uses,
            @Descriptor("what it is for") @Parameter(names = { "--note" }, absentValue = "") String note,
            @Descriptor("create or list") String action) {
        switch (action) {
            case "create" -> {
                IssuedJoinToken t = ca.createJoinToken(ttl.equals("0") ? null : duration("--ttl", ttl), uses, note);
                return "Join token " + t.info().id() + ": " + t.info().uses() + " join(s)"
                        + (t.info().expires() == null ? ", no expiry" : ", until " + TIME.format(t.info().expires()))
                        + ". Shown this once only. On the new node:\n\n  bin/orchion agent --orchestrator HOST:PORT --token "
                        + t.token() + "\n\n(or set ORCHION_TOKEN in the agent's environment instead of --token)\n";
            }
            case "list" -> {
                List<JoinTokenInfo> all = ca.joinTokens();
                Table t = new Table("ID", "USES LEFT", "EXPIRES", "CREATED", "NOTE");
                for (JoinTokenInfo i : all) {
                    t.row(i.id(), i.usesLeft() + "/" + i.uses(), i.expires() == null ? "never" : TIME.format(i.expires()),
                            TIME.format(i.created()), i.note());
                }
                return all.isEmpty() ? "No join tokens." : t.toString();
            }
            default -> throw new InvalidArgumentException("action", "'" + action + "' is not create, list or revoke");
        }
    }

    @Descriptor("revoke a join token: jointoken revoke ID")
    public String jointoken(@Descriptor("revoke") String action, @Descriptor("the join token's id") String id) {
        if (!action.equals("revoke")) {
            throw new InvalidArgumentException("action", "'" + action + "' is not create, list or revoke");
        }
        JoinTokenInfo t = ca.revokeJoinToken(id);
        return "Join token " + t.id() + " revoked; no agent can join with it now.";
    }

    @Descriptor("the audit log, newest first: audit [-n 50] [--actor token:ci] [--action job.] [--since 2026-11-29T08:00:00Z]")
    public String audit(
            @Descriptor("how many events (default 50)") @Parameter(names = { "-n", "--limit" }, absentValue = "50") int limit,
            @Descriptor("actor prefix, e.g. token:ci or shell:") @Parameter(names = { "--actor" }, absentValue = "") String actor,
            @Descriptor("action prefix, e.g. job. or node.revoke") @Parameter(names = { "--action" }, absentValue = "") String action,
            @Descriptor("earliest time, RFC 3339") @Parameter(names = { "--since" }, absentValue = "") String since) {
        if (limit < 1 || limit > 10_000) {
            throw new InvalidArgumentException("-n", "must be from 1 to 10000, not " + limit);
        }
        Instant from = null;
        if (!since.isBlank()) {
            try {
                from = Instant.parse(since.trim());
            } catch (RuntimeException e) {
                throw new InvalidArgumentException("--since", "not an RFC 3339 time such as 2026-11-29T08:00:00Z: '" + since + "'");
            }
        }
        List<AuditEvent> events = audit.query(limit, actor.isBlank() ? null : actor, action.isBlank() ? null : action, from);
        Table t = new Table("TIME", "ACTOR", "ACTION", "TARGET", "VIA", "OUTCOME", "DETAIL");
        for (AuditEvent e : events) {
            t.row(TIME.format(e.at()), e.actor(), e.action(), e.target(), e.via(), e.outcome(), e.detail());
        }
        return events.isEmpty() ? "No audit events." : t.toString();
    }

    @Descriptor("the node certificates issued: when each expires, how it was issued (join, renew, local), revoked ones")
    public String certs() {
        return certs("");
    }

    @Descriptor("the certificates of the nodes whose id starts with NODE")
    public String certs(@Descriptor("node id or its start") String node) {
        List<io.orchion.api.security.NodeCertificate> all = ca.certificates().stream()
                .filter(c -> c.nodeId().startsWith(node.trim()))
                .sorted(java.util.Comparator.comparing(io.orchion.api.security.NodeCertificate::nodeId)
                        .thenComparing(io.orchion.api.security.NodeCertificate::issued))
                .toList();
        Instant now = Instant.now();
        Table t = new Table("NODE", "SERIAL", "ISSUED", "EXPIRES", "HOW", "STATE");
        for (var c : all) {
            t.row(c.nodeId(), c.serial().length() > 16 ? c.serial().substring(0, 16) + "…" : c.serial(),
                    TIME.format(c.issued()), TIME.format(c.notAfter()), c.how(),
                    c.revoked() != null ? "revoked " + TIME.format(c.revoked())
                            : c.notAfter().isBefore(now) ? "expired" : "valid");
        }
        return all.isEmpty() ? (node.isBlank() ? "No node certificates." : "No certificates of a node '" + node + "'.")
                : t.toString();
    }

    @Descriptor("the CA certificate (PEM) agents and HTTPS clients trust, and its hash")
    public String ca() throws java.security.cert.CertificateEncodingException {
        return "CA hash (in every join token): " + ca.caHash() + "\n"
                + io.orchion.api.security.Pem.encode("CERTIFICATE", ca.caCertificate().getEncoded()).stripTrailing();
    }

    /** {@code 90s}, {@code 30m}, {@code 12h}, {@code 7d} (see {@link io.orchion.api.Durations}); blank: none. */
    static Duration duration(String field, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        Duration d = io.orchion.api.Durations.parse(text.toLowerCase(Locale.ROOT));
        if (d == null || d.isZero()) {
            throw new InvalidArgumentException(field, "'" + text + "' is not a duration such as 90m, 12h or 30d");
        }
        return d;
    }
}
