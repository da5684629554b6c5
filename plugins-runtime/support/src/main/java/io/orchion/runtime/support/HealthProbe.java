package io.orchion.runtime.support;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * Asks a model server whether it is healthy: {@code GET base/health}, as vLLM and llama.cpp's
 * llama-server answer it (200 once the model is loaded, 503 while loading). The seam a test
 * replaces; {@link #HTTP} is the real one.
 */
@FunctionalInterface
public interface HealthProbe {
    /** The status {@code GET base/health} answers; throws when nothing answers in {@code timeout}. */
    int health(String base, Duration timeout) throws IOException, InterruptedException;

    /** Plain HTTP/1.1 on a shared client (5 s to connect). */
    HealthProbe HTTP = new HealthProbe() {
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();

        @Override
        public int health(String base, Duration timeout) throws IOException, InterruptedException {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/health")).timeout(timeout).GET().build();
            return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    };

    /** A short, readable account of a failed HTTP call: "connection refused", "no answer in time". */
    static String describe(Exception e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connection timed out";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer in time";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
