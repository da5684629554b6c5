package io.orchion.security.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.orchion.api.security.JoinTokenInfo;
import io.orchion.api.security.NodeCertificate;

/**
 * {@code DATA/security/authority.json}: the node certificates issued and revoked, the revoked node
 * ids and the join tokens (hashes only). Saved whole, atomically and owner-only, after each change.
 * Not thread-safe: the authority guards it.
 */
final class AuthorityState {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** What authority.json holds. */
    record State(List<CertEntry> certificates, List<String> revokedNodes, List<JoinEntry> joinTokens) {
        State {
            certificates = certificates == null ? new ArrayList<>() : new ArrayList<>(certificates);
            revokedNodes = revokedNodes == null ? new ArrayList<>() : new ArrayList<>(revokedNodes);
            joinTokens = joinTokens == null ? new ArrayList<>() : new ArrayList<>(joinTokens);
        }
    }

    record CertEntry(String nodeId, String serial, long issued, long notAfter, String how, Long revoked) {
        NodeCertificate view() {
            return new NodeCertificate(nodeId, serial, Instant.ofEpochMilli(issued), Instant.ofEpochMilli(notAfter), how,
                    revoked == null ? null : Instant.ofEpochMilli(revoked));
        }
    }

    record JoinEntry(String id, String hash, String note, long created, Long expires, int usesLeft, int uses) {
        JoinTokenInfo view() {
            return new JoinTokenInfo(id, note, Instant.ofEpochMilli(created),
                    expires == null ? null : Instant.ofEpochMilli(expires), usesLeft, uses);
        }
    }

    private final Path file;
    final State state;

    AuthorityState(Path file) throws IOException {
        this.file = file;
        this.state = Files.exists(file) ? JSON.readValue(file.toFile(), State.class) : new State(null, null, null);
    }

    void save() {
        try {
            SecureFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
        } catch (IOException e) {
            throw new IllegalStateException("cannot save " + file + ": " + e.getMessage(), e);
        }
    }

    boolean isRevoked(String nodeId) {
        return state.revokedNodes().contains(nodeId);
    }
}
