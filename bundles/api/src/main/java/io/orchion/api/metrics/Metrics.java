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

    /**
     * A call to a served model through the gateway ended. Only models the cluster serves are
     * reported (a name a client made up is not a label).
     *
     * @param status           the HTTP status the client got; 0 when the answer broke off midway
     * @param firstByteNanos   from the call's arrival to the first byte of the answer; -1 if none came
     * @param durationNanos    from the call's arrival to its end
     * @param promptTokens     the answer's {@code usage.prompt_tokens}; -1 when it has none
     * @param completionTokens the answer's {@code usage.completion_tokens}; -1 when it has none
     */
    default void modelCall(String model, int status, long firstByteNanos, long durationNanos, long promptTokens,
            long completionTokens) {
    }

    /** How many calls to {@code model} are in flight on its replicas, and how many wait for one. */
    default void modelLoad(String model, int inFlight, int waiting) {
    }
}
