package io.orchion.control.internal;

import java.net.SocketAddress;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.StreamObserver;
import io.orchion.api.InvalidArgumentException;
import io.orchion.api.node.NodeRegistry;
import io.orchion.proto.convert.NodeMapping;
import io.orchion.proto.v1.DrainNodeRequest;
import io.orchion.proto.v1.DrainNodeResponse;
import io.orchion.proto.v1.GetHealthRequest;
import io.orchion.proto.v1.GetNodeRequest;
import io.orchion.proto.v1.Health;
import io.orchion.proto.v1.HeartbeatRequest;
import io.orchion.proto.v1.HeartbeatResponse;
import io.orchion.proto.v1.ListNodesRequest;
import io.orchion.proto.v1.ListNodesResponse;
import io.orchion.proto.v1.Node;
import io.orchion.proto.v1.OrchestratorGrpc;
import io.orchion.proto.v1.PingRequest;
import io.orchion.proto.v1.PingResponse;
import io.orchion.proto.v1.RegisterNodeRequest;
import io.orchion.proto.v1.RegisterNodeResponse;
import io.orchion.proto.v1.UnregisterNodeRequest;
import io.orchion.proto.v1.UnregisterNodeResponse;

/** The seed's unary service (wire-compatible) plus node management for clients and scripts. */
final class OrchestratorService extends OrchestratorGrpc.OrchestratorImplBase {
    static final Context.Key<SocketAddress> PEER = Context.key("orchion-peer");

    /** Makes the caller's address available to the services (a registration without one uses it). */
    static final ServerInterceptor PEER_INTERCEPTOR = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            Context ctx = Context.current().withValue(PEER, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            return Contexts.interceptCall(ctx, call, headers, next);
        }
    };

    private final NodeRegistry registry;
    private final String version;
    private final String profile;
    private final java.util.function.Supplier<io.orchion.api.health.ProcessHealth> health;

    /** {@code health}: the process's health watch, or null while it is not running (then UP). */
    OrchestratorService(NodeRegistry registry, String version, String profile,
            java.util.function.Supplier<io.orchion.api.health.ProcessHealth> health) {
        this.registry = registry;
        this.version = version;
        this.profile = profile;
        this.health = health;
    }

    static String peer() {
        SocketAddress a = PEER.get();
        return a == null ? "" : a.toString().replaceFirst("^/", "");
    }

    @Override
    public void registerNode(RegisterNodeRequest request, StreamObserver<RegisterNodeResponse> out) {
        Calls.unary(out, () -> {
            if (!request.hasNode()) {
                throw new InvalidArgumentException("node", "required, but missing");
            }
            String id = AuthInterceptor.ownNode(request.getNode().getId());
            var node = registry.register(NodeMapping.registration(request.getNode().toBuilder().setId(id).build(), peer()));
            return RegisterNodeResponse.newBuilder().setNodeId(node.id())
                    .setHeartbeatIntervalMs(registry.settings().heartbeatInterval().toMillis()).build();
        });
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> out) {
        Calls.unary(out, () -> {
            registry.heartbeat(AuthInterceptor.ownNode(request.getNodeId()),
                    request.hasTelemetry() ? NodeMapping.fromProto(request.getTelemetry()) : null);
            return HeartbeatResponse.newBuilder()
                    .setHeartbeatIntervalMs(registry.settings().heartbeatInterval().toMillis()).build();
        });
    }

    @Override
    public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> out) {
        Calls.unary(out, () -> ListNodesResponse.newBuilder()
                .addAllNodes(registry.nodes().stream().map(NodeMapping::toProto).toList()).build());
    }

    @Override
    public void getTelemetry(GetNodeRequest request, StreamObserver<io.orchion.proto.v1.TelemetryWindow> out) {
        Calls.unary(out, () -> io.orchion.proto.v1.TelemetryWindow.newBuilder().setNodeId(request.getNodeId())
                .addAllSamples(registry.telemetry(required(request.getNodeId())).stream().map(NodeMapping::toProto)
                        .toList())
                .build());
    }

    @Override
    public void getNode(GetNodeRequest request, StreamObserver<Node> out) {
        Calls.unary(out, () -> NodeMapping.toProto(registry.node(required(request.getNodeId()))
                .orElseThrow(() -> new io.orchion.api.NotFoundException("node", request.getNodeId()))));
    }

    @Override
    public void unregisterNode(UnregisterNodeRequest request, StreamObserver<UnregisterNodeResponse> out) {
        Calls.unary(out, () -> {
            registry.unregister(required(request.getNodeId()));
            return UnregisterNodeResponse.getDefaultInstance();
        });
    }

    @Override
    public void drainNode(DrainNodeRequest request, StreamObserver<DrainNodeResponse> out) {
        Calls.unary(out, () -> DrainNodeResponse.newBuilder()
                .setNode(NodeMapping.toProto(registry.drain(required(request.getNodeId()), !request.getUndo()))).build());
    }

    @Override
    public void getHealth(GetHealthRequest request, StreamObserver<Health> out) {
        Calls.unary(out, () -> {
            io.orchion.api.health.ProcessHealth h = health.get();
            return NodeMapping.health(registry.nodes(), version, profile, uptimeMs(), h == null ? null : h.now());
        });
    }

    @Override
    public void ping(PingRequest request, StreamObserver<PingResponse> out) {
        out.onNext(PingResponse.getDefaultInstance());
        out.onCompleted();
    }

    private static long uptimeMs() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
    }

    private static String required(String nodeId) {
        if (nodeId.isBlank()) {
            throw new InvalidArgumentException("node_id", "required, but empty");
        }
        return nodeId;
    }
}
