package io.orchion.runtime.ollama.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.orchion.runtime.support.ConfigKeys;

/**
 * The Ollama runtime's configuration (PID {@code io.orchion.runtime.ollama}), parsed and checked as
 * a whole: either every value is valid, or the configuration is refused with one message that names
 * each bad key.
 *
 * @param url                where Ollama answers (http or https, no path)
 * @param connectTimeout     the longest a connection to Ollama may take to open
 * @param requestTimeout     the longest Ollama may take to start answering a request (loading a
 *                           large model counts here); the streamed answer itself may take longer
 * @param fingerprintTimeout the longest the periodic health check may wait for each answer
 */
record OllamaOptions(URI url, Duration connectTimeout, Duration requestTimeout, Duration fingerprintTimeout) {
    static final String PID = "io.orchion.runtime.ollama";
    static final String URL = "url";
    static final String CONNECT = "connect.timeout.ms";
    static final String REQUEST = "request.timeout.ms";
    static final String FINGERPRINT = "fingerprint.timeout.ms";
    static final OllamaOptions DEFAULTS = new OllamaOptions(URI.create("http://127.0.0.1:11434"), Duration.ofSeconds(2),
            Duration.ofMinutes(5), Duration.ofSeconds(2));
    private static final Set<String> KEYS = Set.of(URL, CONNECT, REQUEST, FINGERPRINT);

    static OllamaOptions parse(Map<String, ?> config) {
        List<String> problems = new ArrayList<>();
        ConfigKeys.unknown(config, KEYS).forEach(key -> problems.add(ConfigKeys.problem(key, KEYS)));
        URI url = url(config.get(URL), problems);
        Duration connect = millis(config, CONNECT, DEFAULTS.connectTimeout, problems);
        Duration request = millis(config, REQUEST, DEFAULTS.requestTimeout, problems);
        Duration fingerprint = millis(config, FINGERPRINT, DEFAULTS.fingerprintTimeout, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new OllamaOptions(url, connect, request, fingerprint);
    }

    /** The URL as operators write it, without a trailing slash. */
    String base() {
        String s = url.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static URI url(Object raw, List<String> problems) {
        if (raw == null) {
            return DEFAULTS.url;
        }
        String s = raw.toString().trim();
        try {
            URI u = new URI(s);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                problems.add(URL + " must be an http:// or https:// URL with a host, e.g. http://127.0.0.1:11434, not '"
                        + s + "'");
                return DEFAULTS.url;
            }
            if (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")
                    || u.getRawQuery() != null) {
                problems.add(URL + " must be the server's address without a path (Orchion adds /api/...), not '" + s + "'");
                return DEFAULTS.url;
            }
            return u;
        } catch (URISyntaxException e) {
            problems.add(URL + " is not a URL: '" + s + "'");
            return DEFAULTS.url;
        }
    }

    private static Duration millis(Map<String, ?> config, String key, Duration fallback, List<String> problems) {
        Object raw = config.get(key);
        if (raw == null) {
            return fallback;
        }
        try {
            long value = raw instanceof Number n ? n.longValue() : Long.parseLong(raw.toString().trim());
            if (value <= 0) {
                problems.add(key + " must be a positive number of milliseconds, not " + value);
                return fallback;
            }
            return Duration.ofMillis(value);
        } catch (NumberFormatException e) {
            problems.add(key + " must be a whole number of milliseconds, not '" + raw + "'");
            return fallback;
        }
    }
}
