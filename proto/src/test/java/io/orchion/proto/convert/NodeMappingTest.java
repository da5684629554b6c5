package io.orchion.proto.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.orchion.api.node.Capabilities;
import io.orchion.api.node.Gpu;
import io.orchion.api.node.Telemetry;
import io.orchion.proto.v1.RegisterNodeRequest;

class NodeMappingTest {

    @Test
    void capabilitiesSurviveTheWireAndKeepTheSeedSummary() throws Exception {
        Capabilities caps = new Capabilities("Ryzen", 16, "amd64", 32L << 30, "Linux",
                List.of(new Gpu(0, "NVIDIA", "RTX 4090", 24L << 30, "GPU-abc")), Map.of("zone", "attic"), List.of("process", "docker"));
        var wire = NodeMapping.toProto(caps);
        // the seed's three strings are filled for old readers
        assertEquals("Ryzen", wire.getCpu());
        assertEquals("32.0 GiB", wire.getMemory());
        assertEquals("Linux", wire.getOs());
        var back = NodeMapping.fromProto(io.orchion.proto.v1.Capabilities.parseFrom(wire.toByteArray()));
        assertEquals(caps, back);
    }

    @Test
    void aSeedClientMessageStillParses() throws Exception {
        // given the bytes a seed-era client sends: only fields 1-5 of Node and 1-3 of Capabilities
        var seed = RegisterNodeRequest.newBuilder().setNode(io.orchion.proto.v1.Node.newBuilder().setId("n1")
                .setHostname("pi").setAgentAddress("10.0.0.2:7000").setCapabilities(
                        io.orchion.proto.v1.Capabilities.newBuilder().setCpu("ARM").setMemory("4 GiB").setOs("Linux")))
                .build().toByteArray();
        var reg = NodeMapping.registration(RegisterNodeRequest.parseFrom(seed).getNode(), "127.0.0.1:5555");
        assertEquals("n1", reg.id());
        assertEquals("10.0.0.2:7000", reg.agentAddress());
        assertEquals("ARM", reg.capabilities().cpuModel());
    }

    @Test
    void missingTelemetryIsNotZeroUse() {
        assertNull(NodeMapping.fromProto(io.orchion.proto.v1.Telemetry.getDefaultInstance()));
        Telemetry t = new Telemetry(0.0, 0, 1024, Instant.ofEpochMilli(5));
        assertEquals(t, NodeMapping.fromProto(NodeMapping.toProto(t)));
    }

    @Test
    void whatANodeAllowsIsShownButNeverTakenFromTheWire() {
        // given a node an admin allowed privileged containers and host mounts
        var n = new io.orchion.api.node.Node("n1", "pi", "pi", "", "", Capabilities.unknown(),
                io.orchion.api.node.NodeStatus.READY, false, Instant.EPOCH, Instant.EPOCH, null,
                java.util.Set.of(io.orchion.api.runtime.Allowance.PRIVILEGED, io.orchion.api.runtime.Allowance.HOST_MOUNTS));
        // then the wire lists them in a stable order
        var wire = NodeMapping.toProto(n);
        assertEquals(List.of("privileged", "host-mounts"), wire.getAllowedList());
        // and unknown names from a newer peer are dropped, never widened
        assertEquals(java.util.Set.of(io.orchion.api.runtime.Allowance.HOST_MOUNTS),
                NodeMapping.allowed(List.of("host-mounts", "root")));
    }
}
