package io.orchion.api.agent;

import org.osgi.annotation.versioning.ProviderType;

/** The agent of this instance, present in the agent and all-in-one profiles. */
@ProviderType
public interface Agent {

    AgentState state();

    /** Drops the current connection (if any) and dials again at once, e.g. after being unregistered. */
    void rejoin();
}
