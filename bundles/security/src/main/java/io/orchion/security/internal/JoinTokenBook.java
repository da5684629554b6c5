package io.orchion.security.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.api.security.IssuedJoinToken;
import io.orchion.api.security.JoinTokenInfo;
import io.orchion.security.internal.AuthorityState.JoinEntry;

/**
 * Join tokens ({@code ojt1.ID.SECRET.CAHASH}): made with a lifetime and a number of uses, kept as
 * the SHA-256 of the secret, checked and spent by a join. Not thread-safe: the authority guards it.
 */
final class JoinTokenBook {
    private final AuthorityState store;
    private final String caHash;

    JoinTokenBook(AuthorityState store, String caHash) {
        this.store = store;
        this.caHash = caHash;
    }

    IssuedJoinToken create(Duration ttl, int uses, String note) {
        if (uses < 1 || uses > 100_000) {
            throw new InvalidArgumentException("uses", "must be between 1 and 100000, not " + uses);
        }
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            throw new InvalidArgumentException("ttl", "must be positive");
        }
        String n = note == null ? "" : note.strip();
        if (n.length() > 200 || n.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidArgumentException("note", "at most 200 characters, no control characters");
        }
        String id = Secrets.randomId();
        String secret = Secrets.secret();
        long now = System.currentTimeMillis();
        JoinEntry e = new JoinEntry(id, Certs.sha256(secret.getBytes(StandardCharsets.US_ASCII)), n, now,
                ttl == null ? null : now + ttl.toMillis(), uses, uses);
        store.state.joinTokens().add(e);
        store.save();
        return new IssuedJoinToken(e.view(), "ojt1." + id + "." + secret + "." + caHash);
    }

    List<JoinTokenInfo> list() {
        return store.state.joinTokens().stream().map(JoinEntry::view).toList();
    }

    JoinTokenInfo revoke(String id) {
        for (JoinEntry e : store.state.joinTokens()) {
            if (e.id().equals(id)) {
                store.state.joinTokens().remove(e);
                store.save();
                return e.view();
            }
        }
        throw new NotFoundException("join token", id);
    }

    /**
     * The usable token that {@code joinToken} names: made by this CA, known, not expired, not used
     * up; else a {@link SecurityException} saying which. Spends nothing: see {@link #spend}.
     */
    JoinEntry check(String joinToken) {
        String[] parts = CertificateAuthority.joinTokenParts(joinToken);
        if (parts == null) {
            throw new SecurityException("the join token is malformed (expected ojt1.ID.SECRET.CAHASH)");
        }
        if (!parts[3].equals(caHash)) {
            throw new SecurityException("the join token was made by another orchestrator (its CA hash differs)");
        }
        byte[] hash = Certs.sha256(parts[2].getBytes(StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        JoinEntry found = null;
        for (JoinEntry e : store.state.joinTokens()) {
            if (e.id().equals(parts[1]) && MessageDigest.isEqual(e.hash().getBytes(StandardCharsets.US_ASCII), hash)) {
                found = e;
            }
        }
        if (found == null) {
            throw new SecurityException("the join token is unknown or was revoked");
        }
        if (found.expires() != null && found.expires() < System.currentTimeMillis()) {
            throw new SecurityException("the join token " + found.id() + " expired at " + Instant.ofEpochMilli(found.expires()));
        }
        if (found.usesLeft() <= 0) {
            throw new SecurityException("the join token " + found.id() + " is used up (" + found.uses() + " join(s))");
        }
        return found;
    }

    /** One use of a checked token is spent (saved with the next change of the state). */
    void spend(JoinEntry t) {
        List<JoinEntry> all = store.state.joinTokens();
        all.set(all.indexOf(t), new JoinEntry(t.id(), t.hash(), t.note(), t.created(), t.expires(), t.usesLeft() - 1,
                t.uses()));
    }
}
