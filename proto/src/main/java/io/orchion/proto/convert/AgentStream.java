package io.orchion.proto.convert;

/**
 * What one agent stream carries. The orchestrator checks every message it would send an agent
 * against these limits before sending, and the agent sets them as its channel's inbound limits,
 * so one constant decides both sides: a message over them fails the job it is about, never the
 * stream.
 */
public final class AgentStream {
    /**
     * The largest orchestrator-to-agent message, in bytes as encoded: 512 KiB. Sized for the
     * agent's 32 MiB heap: a run's settings decoded into protobuf and then into plain maps take
     * some 20 times their encoded size at worst (tens of thousands of tiny env entries); a
     * 950 KB assignment exhausted that heap while 760 KB did not. An assignment is usually far
     * smaller (a spec is a few KiB), and what a submission accepts should stay below this.
     */
    public static final int MAX_ORCHESTRATOR_MESSAGE_BYTES = 512 << 10;

    private AgentStream() {
    }
}
