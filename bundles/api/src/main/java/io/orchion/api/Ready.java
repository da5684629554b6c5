package io.orchion.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Marker service a component registers once the part it runs is usable, with the service property
 * {@link #PROPERTY} naming the part: {@code grpc} (the control listener is bound), {@code agent}
 * (the agent is registered with its orchestrator). The launcher waits for the parts its profile
 * needs before it reports the instance ready.
 */
@ProviderType
public interface Ready {
    String PROPERTY = "orchion.ready";

    /** A human-readable line about the ready part, e.g. "gRPC on 0.0.0.0:50051". */
    String describe();
}
