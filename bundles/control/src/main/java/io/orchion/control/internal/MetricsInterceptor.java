package io.orchion.control.internal;

import java.util.function.Supplier;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.orchion.api.metrics.Metrics;
import io.orchion.proto.v1.AgentMessage;
import io.orchion.proto.v1.LogEntry;

/**
 * Feeds {@link Metrics} from the gRPC server: every call's outcome, heartbeats (unary and on the
 * agent channel) and the log bytes agents ship. Does nothing while no metrics service is present.
 */
final class MetricsInterceptor implements ServerInterceptor {
    private final Supplier<Metrics> metrics;

    MetricsInterceptor(Supplier<Metrics> metrics) {
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        ServerCall<Q, R> counted = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                Metrics m = metrics.get();
                if (m != null) {
                    m.grpcRequest(method, status.getCode().name());
                }
                super.close(status, trailers);
            }
        };
        boolean unaryHeartbeat = method.endsWith("/Heartbeat");
        return new SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
            @Override
            public void onMessage(Q message) {
                Metrics m = metrics.get();
                if (m != null) {
                    if (unaryHeartbeat) {
                        m.heartbeat();
                    } else if (message instanceof AgentMessage a) {
                        if (a.hasHeartbeat()) {
                            m.heartbeat();
                        } else if (a.hasLogs()) {
                            long bytes = 0;
                            for (LogEntry e : a.getLogs().getEntriesList()) {
                                bytes += e.getText().length();
                            }
                            m.logBytes(bytes);
                        }
                    }
                }
                super.onMessage(message);
            }
        };
    }
}
