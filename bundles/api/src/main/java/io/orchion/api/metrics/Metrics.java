package io.orchion.api.metrics;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What the platform counts for Prometheus. Bundles take it as an optional dynamic reference and
 * call it on their hot paths: every method is cheap, never blocks and never throws.
 */
@ProviderType
public interface Metrics {

    /** A heartbeat was received from an agent. */
    void heartbeat();

    /** A job was placed on a node, {@code nanos} after its placement round began. */
    void placement(long nanos);

    /** A gRPC call ended; {@code outcome} is its status code name (OK, NOT_FOUND, ...). */
    void grpcRequest(String method, String outcome);

    /** An HTTP request was answered with {@code status}. */
    void httpRequest(String method, int status);

    /** Log bytes shipped from agents and stored. */
    void logBytes(long bytes);
}
