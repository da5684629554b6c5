package io.orchion.runtime.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Properties;

import io.orchion.api.InvalidArgumentException;

/**
 * Where a model server listens, where its clients reach it and where this node checks its health.
 * A server listening on every address ({@code 0.0.0.0}, {@code ::}) is reached by other nodes
 * through this node's name and checked here on loopback.
 *
 * @param port     the port it listens on
 * @param endpoint where clients reach it, {@code http://host:port} (recorded on the job)
 * @param probe    where this node checks its health
 */
public record ServerAddress(int port, String endpoint, String probe) {

    /**
     * A server listening on {@code host} and {@code port}, 0 for a port free now; refuses, naming
     * {@code field}, an address this node cannot listen on.
     */
    public static ServerAddress listen(String host, int port, String field) {
        int p = port != 0 ? port : freePort(host, field);
        return new ServerAddress(p, url(clientHost(host), p), url(probeHost(host), p));
    }

    /** Records the address in a run's state ({@code port}, {@code endpoint}, {@code probe}). */
    public void record(Properties state) {
        state.setProperty("port", String.valueOf(port));
        state.setProperty("endpoint", endpoint);
        state.setProperty("probe", probe);
    }

    /** The address {@link #record recorded} in a run's state. */
    public static ServerAddress recorded(Properties state) {
        String endpoint = state.getProperty("endpoint");
        return new ServerAddress(Integer.parseInt(state.getProperty("port")), endpoint,
                state.getProperty("probe", endpoint));
    }

    /** The host a client uses: a wildcard listen address is reached through this node's name. */
    public static String clientHost(String host) {
        if (isWildcard(host)) {
            try {
                return InetAddress.getLocalHost().getCanonicalHostName();
            } catch (UnknownHostException e) {
                return "127.0.0.1";
            }
        }
        return host;
    }

    /** Where this node itself checks health: loopback when the server listens on every address. */
    public static String probeHost(String host) {
        return host.equals("0.0.0.0") ? "127.0.0.1" : host.equals("::") || host.equals("[::]") ? "[::1]" : host;
    }

    /** {@code http://host:port}, an IPv6 address in brackets. */
    public static String url(String host, int port) {
        return "http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * A port free now on the listen address {@code host} (the server binds it a moment later);
     * refuses, naming {@code field}, an address this node cannot listen on.
     */
    public static int freePort(String host, String field) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(probeHost(host).replaceAll("[\\[\\]]", "")))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new InvalidArgumentException(field, "cannot listen on '" + host + "' here: " + e.getMessage());
        }
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }
}
