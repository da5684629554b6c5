package io.orchion.control.internal;

import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;

/** Maps platform exceptions to gRPC status codes with messages a user can act on. */
final class Calls {
    private static final Logger LOG = LoggerFactory.getLogger(Calls.class);

    private Calls() {
    }

    static <T> void unary(StreamObserver<T> out, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            out.onError(toStatus(e));
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    static StatusRuntimeException toStatus(RuntimeException e) {
        if (e instanceof InvalidArgumentException) {
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof io.orchion.api.LimitExceededException) {
            return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof NotFoundException) {
            return Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        LOG.error("control: internal error", e);
        return Status.INTERNAL.withDescription("internal error: " + e.getClass().getSimpleName()).asRuntimeException();
    }
}
