package io.orchion.runtime.docker.internal;

import java.time.Duration;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;

/**
 * Where the runtime's engine clients come from: the seam a test replaces to see what the runtime
 * asks for, or to hand it a client of an engine that is not there. The component uses
 * {@link #ENGINE}, docker-java over the engine's socket.
 */
@FunctionalInterface
interface DockerClients {
    /** Real clients: docker-java's zero-dependency transport, up to 64 connections. */
    DockerClients ENGINE = DockerClients::engine;

    /**
     * A client of the engine at {@code host} (unix://, tcp:// or npipe://).
     *
     * @param connectTimeout  the longest a connection may take to open
     * @param responseTimeout the longest an answer may take; zero for no limit (logs, waits, pulls)
     */
    DockerClient open(String host, Duration connectTimeout, Duration responseTimeout);

    private static DockerClient engine(String host, Duration connectTimeout, Duration responseTimeout) {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
        var http = new ZerodepDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig()).maxConnections(64).connectionTimeout(connectTimeout);
        if (!responseTimeout.isZero()) {
            http.responseTimeout(responseTimeout);
        }
        return DockerClientImpl.getInstance(config, http.build());
    }
}
