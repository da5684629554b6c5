package io.orchion.runtime.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;

/**
 * The runtime through a replaced {@link DockerClients}: no engine is needed, and the test sees
 * which clients the runtime asks for. The clients it hands out talk to a loopback port nothing
 * listens on, as when the engine is down.
 */
class DockerClientsTest {

    @Test
    void anEngineThatIsDownMakesTheRuntimeUnhealthyAndARunFailToStartSayingWhere() throws Exception {
        // given a port nothing listens on, and clients that talk to it whatever host they are given
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        List<String> asked = new CopyOnWriteArrayList<>();
        DockerClients down = (host, connect, response) -> {
            asked.add(host + " connect " + connect.toSeconds() + "s response " + response.toSeconds() + "s");
            return DockerClients.ENGINE.open("tcp://127.0.0.1:" + closed, connect, response);
        };
        DockerRuntime runtime = new DockerRuntime("unix:///var/run/engine-of-this-test.sock", Duration.ofSeconds(1),
                Duration.ofSeconds(5), true, down);
        try {
            // then it asked for a client for runs (answers may take forever) and a quick one for fingerprints
            assertEquals(List.of("unix:///var/run/engine-of-this-test.sock connect 5s response 0s",
                    "unix:///var/run/engine-of-this-test.sock connect 2s response 5s"), asked);
            // when it fingerprints, it is unhealthy, naming the engine it was configured with
            Fingerprint f = runtime.fingerprint();
            assertFalse(f.healthy());
            assertTrue(f.detail().startsWith("no Docker engine at unix:///var/run/engine-of-this-test.sock: "),
                    f.detail());
            assertEquals(Map.of("host", "unix:///var/run/engine-of-this-test.sock"), f.attributes());
            // and a run fails to start with the reason, which its exit repeats
            RunHandle h = runtime.start(new RunRequest("down-1", "down", Map.of("image", "busybox:1", "pull", "never"),
                    null, List.of(), null, null), (stream, text) -> { });
            ExecutionException e = assertThrows(ExecutionException.class, () -> h.started().get(30, TimeUnit.SECONDS));
            String why = e.getCause().getMessage();
            assertTrue(why.startsWith("cannot reach the Docker engine at unix:///var/run/engine-of-this-test.sock: "),
                    why);
            assertEquals(new ExitStatus(-1, why), h.exit().get(30, TimeUnit.SECONDS));
        } finally {
            runtime.deactivate();
        }
    }

}
