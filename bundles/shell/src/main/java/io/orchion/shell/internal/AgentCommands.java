package io.orchion.shell.internal;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.orchion.api.agent.Agent;
import io.orchion.api.agent.AgentState;

/** {@code orchion:agent}: this instance's agent, in the agent and all-in-one profiles. */
@Component(service = AgentCommands.class, property = { "osgi.command.scope=orchion", "osgi.command.function=agent" })
public class AgentCommands {
    private final Agent agent;

    @Activate
    public AgentCommands(@Reference Agent agent) {
        this.agent = agent;
    }

    @Descriptor("show this instance's agent: identity, connection and capabilities")
    public AgentState agent() {
        return agent.state();
    }

    @Descriptor("act on this instance's agent: 'rejoin' dials the orchestrator again at once")
    public Object agent(@Descriptor("rejoin") String action) {
        if (!"rejoin".equals(action)) {
            throw new IllegalArgumentException("unknown action '" + action + "'; try: orchion:agent rejoin");
        }
        agent.rejoin();
        return new Views.Message("Agent " + agent.state().nodeId() + " is dialling " + agent.state().orchestrator());
    }
}
