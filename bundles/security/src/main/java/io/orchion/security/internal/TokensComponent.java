package io.orchion.security.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;
import io.orchion.api.Orchion;
import io.orchion.api.security.ApiTokens;
import io.orchion.api.security.IssuedToken;
import io.orchion.api.security.Principal;
import io.orchion.api.security.Role;
import io.orchion.api.security.TokenInfo;

/**
 * API tokens in {@code DATA/security/tokens.json}: id, name, role, times and the SHA-256 of the
 * secret. The secret is 256 random bits, so a fast hash is enough (nothing to guess from a
 * dictionary) and checking a token costs microseconds on every request. On the first start
 * (no file yet) an {@code admin} token is made and printed once on the console, never logged.
 */
@Component(service = ApiTokens.class, immediate = true)
public class TokensComponent implements ApiTokens {
    private static final Logger LOG = LoggerFactory.getLogger(TokensComponent.class);
    static final String PREFIX = "oat1";
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,62}");
    static final Pattern SHAPE = Pattern.compile("oat1\\.([0-9a-f]{10})\\.([A-Za-z0-9_-]{43})");
    private static final long LAST_USED_RESOLUTION_MS = 60_000;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    record Entry(String id, String name, String role, String hash, long created, Long expires, Long lastUsed) {
        TokenInfo view() {
            return new TokenInfo(id, name, Role.valueOf(role), Instant.ofEpochMilli(created),
                    expires == null ? null : Instant.ofEpochMilli(expires),
                    lastUsed == null ? null : Instant.ofEpochMilli(lastUsed));
        }
    }

    record State(List<Entry> tokens) {
        State {
            tokens = tokens == null ? new ArrayList<>() : new ArrayList<>(tokens);
        }
    }

    private final Path file;
    private volatile Map<String, Entry> byId = new ConcurrentHashMap<>();
    private final Map<String, Long> used = new ConcurrentHashMap<>();

    @Activate
    public TokensComponent(BundleContext context) throws IOException {
        String data = context.getProperty(Orchion.DATA_DIR);
        Path dir = SecureFiles.ownerOnlyDir(Path.of(data == null ? "data" : data).toAbsolutePath().resolve("security"));
        this.file = dir.resolve("tokens.json");
        if (Files.exists(file)) {
            State s = JSON.readValue(file.toFile(), State.class);
            for (Entry e : s.tokens()) {
                byId.put(e.id(), e);
            }
        } else {
            IssuedToken admin = create("admin", Role.ADMIN, null);
            announce(admin);
        }
    }

    /** The first admin token, on the console only (not through the logging system). */
    private static void announce(IssuedToken admin) {
        PrintStream out = System.out;
        out.println("orchion: ------------------------------------------------------------------------");
        out.println("orchion: first start: an admin API token was made. It is shown this once only:");
        out.println("orchion:");
        out.println("orchion:     " + admin.token());
        out.println("orchion:");
        out.println("orchion: sign in to the dashboard with it, or send it as 'Authorization: Bearer ...'.");
        out.println("orchion: make more in the shell: orchion:token create --role viewer --name NAME");
        out.println("orchion: ------------------------------------------------------------------------");
        out.flush();
        LOG.info("security: created the first admin token {} (printed on the console once)", admin.info().id());
    }

    private synchronized void save() {
        try {
            SecureFiles.write(file, JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(new State(new ArrayList<>(byId.values()))));
        } catch (IOException e) {
            throw new IllegalStateException("cannot save " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized IssuedToken create(String name, Role role, Duration ttl) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidArgumentException("name", "'" + name
                    + "' is not a token name (letters, digits, . _ @ -; up to 63; starting with a letter or digit)");
        }
        if (role == null) {
            throw new InvalidArgumentException("role", "missing; use admin, operator, viewer or inference");
        }
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            throw new InvalidArgumentException("ttl", "must be positive");
        }
        if (byId.values().stream().anyMatch(e -> e.name().equals(name))) {
            throw new InvalidArgumentException("name", "a token named '" + name + "' exists; revoke it first or pick another name");
        }
        String id;
        do {
            id = Secrets.randomId();
        } while (byId.containsKey(id));
        String secret = Secrets.secret();
        long now = System.currentTimeMillis();
        Entry e = new Entry(id, name, role.name(), hash(secret), now, ttl == null ? null : now + ttl.toMillis(), null);
        byId.put(id, e);
        save();
        return new IssuedToken(e.view(), PREFIX + "." + id + "." + secret);
    }

    @Override
    public List<TokenInfo> list() {
        return byId.values().stream().map(e -> withUse(e).view())
                .sorted((a, b) -> a.created().compareTo(b.created())).toList();
    }

    private Entry withUse(Entry e) {
        Long u = used.get(e.id());
        return u == null ? e : new Entry(e.id(), e.name(), e.role(), e.hash(), e.created(), e.expires(), u);
    }

    @Override
    public synchronized TokenInfo revoke(String idOrName) {
        for (Entry e : byId.values()) {
            if (e.id().equals(idOrName) || e.name().equals(idOrName)) {
                byId.remove(e.id());
                used.remove(e.id());
                save();
                return e.view();
            }
        }
        throw new NotFoundException("token", idOrName);
    }

    @Override
    public Optional<Principal> authenticate(String token) {
        if (token == null) {
            return Optional.empty();
        }
        var m = SHAPE.matcher(token.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        Entry e = byId.get(m.group(1));
        if (e == null || !MessageDigest.isEqual(e.hash().getBytes(StandardCharsets.US_ASCII),
                hash(m.group(2)).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        long now = System.currentTimeMillis();
        if (e.expires() != null && e.expires() < now) {
            return Optional.empty();
        }
        Long last = used.get(e.id());
        if (last == null || now - last > LAST_USED_RESOLUTION_MS) {
            used.put(e.id(), now);
        }
        return Optional.of(new Principal("token", e.name(), Role.valueOf(e.role()), e.id()));
    }

    static String hash(String secret) {
        return Certs.sha256(secret.getBytes(StandardCharsets.US_ASCII));
    }
}
