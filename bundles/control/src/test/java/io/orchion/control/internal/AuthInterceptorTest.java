package io.orchion.control.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.orchion.api.security.Action;
import io.orchion.proto.v1.AgentChannelGrpc;
import io.orchion.proto.v1.EnrollmentGrpc;
import io.orchion.proto.v1.JobsGrpc;
import io.orchion.proto.v1.OrchestratorGrpc;

import org.junit.jupiter.api.Test;

/**
 * The gRPC method table: every method of every service has its own rule, a token holder's
 * mutating method takes its role from its {@link Action}, and a join's audit entry names only the
 * join token's id.
 */
class AuthInterceptorTest {
    static final List<ServiceDescriptor> SERVICES = List.of(OrchestratorGrpc.getServiceDescriptor(),
            JobsGrpc.getServiceDescriptor(), AgentChannelGrpc.getServiceDescriptor(),
            EnrollmentGrpc.getServiceDescriptor());

    @Test
    void everyMethodHasItsOwnRuleAndNoRuleIsForAMethodThatDoesNotExist() {
        List<String> methods = new ArrayList<>();
        SERVICES.forEach(s -> s.getMethods().forEach(m -> methods.add(m.getFullMethodName())));
        assertFalse(methods.isEmpty());
        for (String m : methods) {
            assertNotNull(AuthInterceptor.RULES.get(m), m + " falls to the admin-only default: give it a rule");
        }
        assertTrue(methods.containsAll(AuthInterceptor.RULES.keySet()), "rules for unknown methods: "
                + AuthInterceptor.RULES.keySet().stream().filter(k -> !methods.contains(k)).toList());
    }

    @Test
    void aMutatingMethodNeedsTheRoleOfItsActionAndReadsNeedViewer() {
        int actions = 0;
        for (ServiceDescriptor s : SERVICES) {
            for (MethodDescriptor<?, ?> m : s.getMethods()) {
                AuthInterceptor.Rule r = AuthInterceptor.RULES.get(m.getFullMethodName());
                if (r.action() != null && r.action().role() != null
                        && r.need() != AuthInterceptor.Need.NODE_OR_ADMIN) {
                    assertEquals(r.action().role().name(), r.need().name(), m.getFullMethodName());
                    actions++;
                }
                if (r.action() == null && r.need() != AuthInterceptor.Need.NODE
                        && r.need() != AuthInterceptor.Need.NODE_OR_ADMIN) {
                    assertEquals(AuthInterceptor.Need.VIEWER, r.need(), m.getFullMethodName() + " reads");
                }
            }
        }
        assertEquals(4, actions, "submit, cancel, drain and unregister are a token holder's actions");
        assertEquals(AuthInterceptor.Need.OPERATOR, AuthInterceptor.RULES.get("orchion.v1.Jobs/SubmitJob").need());
        assertEquals(AuthInterceptor.Need.ADMIN, AuthInterceptor.RULES.get("orchion.v1.Orchestrator/UnregisterNode").need());
        // the agent's stream is a node's alone, and is audited per message, not per call
        assertEquals(AuthInterceptor.Need.NODE, AuthInterceptor.RULES.get("orchion.v1.AgentChannel/Connect").need());
        assertNull(AuthInterceptor.RULES.get("orchion.v1.AgentChannel/Connect").action());
    }

    @Test
    void aJoinNamesItsTokenByIdOnly() {
        assertEquals("join token 48d46ea25b",
                AuthInterceptor.joinTokenId("ojt1.48d46ea25b.tdrsh3FWKVpKz0DuMD-L51llBA0pS0Ztpx7rbpmSup4.6VD0nt2y7iuiDJDXkVISkJsV6W9IMC"));
        // a secret pasted where the id belongs, a token of another kind, pieces missing: not named
        assertEquals("", AuthInterceptor.joinTokenId("ojt1.tdrsh3FWKVpKz0DuMD-L51llBA0pS0Ztpx7rbpmSup4.x.y"));
        assertEquals("", AuthInterceptor.joinTokenId("oat1.48d46ea25b.secret"));
        assertEquals("", AuthInterceptor.joinTokenId("ojt1.48d46ea25b.secret"));
        assertEquals("", AuthInterceptor.joinTokenId(""));
        assertEquals("", AuthInterceptor.joinTokenId(null));
    }
}
