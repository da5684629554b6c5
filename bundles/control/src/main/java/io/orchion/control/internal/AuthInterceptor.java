package io.orchion.control.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.util.concurrent.RateLimiter;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.orchion.api.security.Action;
import io.orchion.api.security.ApiTokens;
import io.orchion.api.security.AuditEvent;
import io.orchion.api.security.AuditLog;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.api.security.Principal;
import io.orchion.api.security.Role;

/**
 * Who may call what over gRPC. Node services need a node certificate (mutual TLS); client
 * services need an API token ({@code authorization: Bearer oat1...}) with a strong enough role;
 * joining needs only its join token. A method not listed here needs an admin token. Mutating
 * calls go to the audit log with their outcome; failed authentications are rate-limited per
 * address.
 */
final class AuthInterceptor implements ServerInterceptor {
    /** The node a call's client certificate belongs to, or null. */
    static final Context.Key<String> NODE = Context.key("orchion-node");
    /** The API token holder, or null. */
    static final Context.Key<Principal> PRINCIPAL = Context.key("orchion-principal");

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    enum Need {
        PUBLIC, NODE, NODE_OR_ADMIN, VIEWER, OPERATOR, ADMIN
    }

    /**
     * A method's requirement and, for mutating ones, its audit action. A token holder's action takes
     * its role from {@link Action} ({@link #of}); node methods need the node's certificate.
     */
    record Rule(Need need, Action action) {
        /** A mutating method an API token may call: the role is the action's. */
        static Rule of(Action action) {
            return new Rule(Need.valueOf(action.role().name()), action);
        }

        static Rule read() {
            return new Rule(Need.VIEWER, null);
        }
    }

    static final Map<String, Rule> RULES = Map.ofEntries(
            Map.entry("orchion.v1.Enrollment/Join", new Rule(Need.PUBLIC, Action.NODE_JOIN)),
            Map.entry("orchion.v1.Enrollment/Renew", new Rule(Need.NODE, Action.NODE_RENEW)),
            Map.entry("orchion.v1.AgentChannel/Connect", new Rule(Need.NODE, null)),
            Map.entry("orchion.v1.Orchestrator/RegisterNode", new Rule(Need.NODE_OR_ADMIN, Action.NODE_REGISTER)),
            Map.entry("orchion.v1.Orchestrator/Heartbeat", new Rule(Need.NODE_OR_ADMIN, null)),
            Map.entry("orchion.v1.Orchestrator/ListNodes", Rule.read()),
            Map.entry("orchion.v1.Orchestrator/GetNode", Rule.read()),
            Map.entry("orchion.v1.Orchestrator/GetHealth", Rule.read()),
            Map.entry("orchion.v1.Orchestrator/GetTelemetry", Rule.read()),
            Map.entry("orchion.v1.Orchestrator/Ping", Rule.read()),
            Map.entry("orchion.v1.Orchestrator/DrainNode", Rule.of(Action.NODE_DRAIN)),
            Map.entry("orchion.v1.Orchestrator/UnregisterNode", Rule.of(Action.NODE_UNREGISTER)),
            Map.entry("orchion.v1.Jobs/SubmitJob", Rule.of(Action.JOB_SUBMIT)),
            Map.entry("orchion.v1.Jobs/CancelJob", Rule.of(Action.JOB_CANCEL)),
            Map.entry("orchion.v1.Jobs/ListJobs", Rule.read()),
            Map.entry("orchion.v1.Jobs/GetJob", Rule.read()),
            Map.entry("orchion.v1.Jobs/StreamLogs", Rule.read()));

    /** A method without a rule: admin only (deny by default). */
    private static final Rule ADMIN_ONLY = new Rule(Need.ADMIN, null);

    private final CertificateAuthority ca;
    private final ApiTokens tokens;
    private final Supplier<AuditLog> audit;
    /** Failed authentications allowed per non-loopback address: 5 a second, short bursts only. */
    private final Cache<String, RateLimiter> failures = CacheBuilder.newBuilder().maximumSize(10_000)
            .expireAfterAccess(10, TimeUnit.MINUTES).build();

    AuthInterceptor(CertificateAuthority ca, ApiTokens tokens, Supplier<AuditLog> audit) {
        this.ca = ca;
        this.tokens = tokens;
        this.audit = audit;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Rule rule = RULES.getOrDefault(method, ADMIN_ONLY);
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String address = address(remote);
        boolean loopback = remote instanceof InetSocketAddress i && i.getAddress() != null
                && i.getAddress().isLoopbackAddress();

        String node = null;
        SSLSession ssl = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (ssl != null) {
            try {
                Certificate[] peer = ssl.getPeerCertificates();
                if (peer.length > 0 && peer[0] instanceof X509Certificate x) {
                    node = ca.nodeOf(x);
                }
            } catch (SSLPeerUnverifiedException none) {
                // no client certificate: a client with a token, or a joining agent
            } catch (SecurityException refused) {
                return refuse(call, rule, address, loopback, "anonymous@" + address,
                        Status.UNAUTHENTICATED.withDescription(refused.getMessage()));
            }
        }
        Principal principal = null;
        String auth = headers.get(AUTHORIZATION);
        if (auth != null) {
            Optional<Principal> p = auth.regionMatches(true, 0, "Bearer ", 0, 7)
                    ? tokens.authenticate(auth.substring(7).trim()) : Optional.empty();
            if (p.isEmpty()) {
                return refuse(call, rule, address, loopback, "anonymous@" + address, Status.UNAUTHENTICATED
                        .withDescription("the API token is unknown, expired or revoked"));
            }
            principal = p.get();
        }
        Status denied = switch (rule.need()) {
            case PUBLIC -> null;
            case NODE -> node != null ? null
                    : Status.UNAUTHENTICATED.withDescription(
                            "this call needs a node certificate: join the agent with a join token first");
            case NODE_OR_ADMIN -> node != null || (principal != null && principal.role() == Role.ADMIN) ? null
                    : principal != null ? weak(principal, Role.ADMIN)
                    : Status.UNAUTHENTICATED.withDescription("this call needs a node certificate or an admin API token");
            case VIEWER -> role(principal, Role.VIEWER);
            case OPERATOR -> role(principal, Role.OPERATOR);
            case ADMIN -> role(principal, Role.ADMIN);
        };
        // who the audit log names: the token holder, else the certificate's node, else the address
        String actor = principal != null ? principal.actor() : node != null ? "node:" + node : "anonymous@" + address;
        if (denied != null) {
            return refuse(call, rule, address, loopback, actor, denied);
        }
        Context ctx = Context.current().withValue(NODE, node).withValue(PRINCIPAL, principal);
        ServerCall<Q, R> audited = rule.action() == null ? call : new Audited<>(call, rule.action().id(), actor);
        ServerCall.Listener<Q> listener = Contexts.interceptCall(ctx, audited, headers, next);
        return audited instanceof Audited<Q, R> a ? a.watch(listener) : listener;
    }

    /**
     * The node id a node service may act for: a caller with a node certificate only for its own
     * node (an empty id means its own); an admin token for any.
     */
    static String ownNode(String requested) {
        String node = NODE.get();
        if (node == null) {
            return requested;
        }
        if (requested.isEmpty() || requested.equals(node)) {
            return node;
        }
        throw Status.PERMISSION_DENIED.withDescription("this certificate is for node " + node + ", not " + requested)
                .asRuntimeException();
    }

    private static Status role(Principal p, Role needed) {
        if (p == null) {
            return Status.UNAUTHENTICATED.withDescription("this call needs an API token (authorization: Bearer ...)");
        }
        return p.role().allows(needed) ? null : weak(p, needed);
    }

    private static Status weak(Principal p, Role needed) {
        return Status.PERMISSION_DENIED.withDescription("needs role " + needed.label() + "; token '" + p.name()
                + "' has role " + p.role().label());
    }

    private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Rule rule, String address, boolean loopback,
            String actor, Status status) {
        Status s = status;
        // local processes are not limited (a brute force from here already has the machine)
        if (status.getCode() == Status.Code.UNAUTHENTICATED && !loopback) {
            RateLimiter r = failures.asMap().computeIfAbsent(address, a -> RateLimiter.create(5.0));
            if (!r.tryAcquire()) {
                s = Status.RESOURCE_EXHAUSTED.withDescription("too many failed authentications from " + address
                        + "; slow down");
            }
        }
        if (rule.action() != null) {
            record(actor, rule.action().id(), "",
                    s.getCode() == Status.Code.PERMISSION_DENIED ? "denied" : "unauthenticated", s.getDescription());
        }
        call.close(s, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    private void record(String actor, String action, String target, String outcome, String detail) {
        AuditLog a = audit.get();
        if (a != null) {
            a.record(new AuditEvent(Instant.now(), actor, action, target, "grpc", outcome, detail == null ? "" : detail));
        }
    }

    private static String address(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
        }
        return String.valueOf(a);
    }

    /** Records a mutating call when it closes; the target is the request's or the answer's id. */
    private final class Audited<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final String action;
        private final String actor;
        private volatile String target = "";
        /** Said of the request beside the outcome: the join token a join used (its id, never its secret). */
        private volatile String note = "";

        Audited(ServerCall<Q, R> call, String action, String actor) {
            super(call);
            this.action = action;
            this.actor = actor;
        }

        ServerCall.Listener<Q> watch(ServerCall.Listener<Q> l) {
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(l) {
                @Override
                public void onMessage(Q message) {
                    if (target.isEmpty()) {
                        target = idOf(message);
                    }
                    if (message instanceof io.orchion.proto.v1.JoinRequest j) {
                        note = joinTokenId(j.getToken());
                    }
                    super.onMessage(message);
                }
            };
        }

        @Override
        public void sendMessage(R message) {
            String id = idOf(message);
            if (!id.isEmpty()) {
                target = id;
            }
            super.sendMessage(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            String outcome = switch (status.getCode()) {
                case OK -> "ok";
                case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> "invalid";
                case NOT_FOUND -> "not-found";
                case PERMISSION_DENIED -> "denied";
                case UNAUTHENTICATED -> "unauthenticated";
                default -> "error";
            };
            String detail = status.isOk() ? "" : String.valueOf(status.getDescription());
            record(actor, action, target, outcome, note.isEmpty() ? detail : detail.isEmpty() ? note : detail + "; " + note);
            super.close(status, trailers);
        }
    }

    /**
     * "join token ID" for a token of the form {@code ojt1.ID.SECRET.CAHASH} whose id is an id (up to
     * 32 hexadecimal digits); nothing for anything else, so a mangled token (a secret where the id
     * belongs) never reaches the audit log.
     */
    static String joinTokenId(String token) {
        String[] parts = CertificateAuthority.joinTokenParts(token);
        return parts != null && parts[1].matches("[0-9a-f]{1,32}") ? "join token " + parts[1] : "";
    }

    /** The first of id, job_id, node_id (top level, or in a nested node or job) that is set. */
    static String idOf(Object message) {
        if (!(message instanceof Message m)) {
            return "";
        }
        for (String name : new String[] { "id", "job_id", "node_id" }) {
            FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
            if (f != null && f.getJavaType() == FieldDescriptor.JavaType.STRING && !f.isRepeated()) {
                String v = (String) m.getField(f);
                if (!v.isEmpty()) {
                    return v;
                }
            }
        }
        for (String name : new String[] { "node", "job" }) {
            FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
            if (f != null && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.isRepeated() && m.hasField(f)) {
                String v = idOf(m.getField(f));
                if (!v.isEmpty()) {
                    return v;
                }
            }
        }
        return "";
    }
}
