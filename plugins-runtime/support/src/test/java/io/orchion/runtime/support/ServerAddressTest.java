package io.orchion.runtime.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a model server listens and is reached, and the state a restarted agent finds it by. */
class ServerAddressTest {
    @TempDir
    Path tmp;

    @Test
    void aLoopbackServerIsReachedAndCheckedWhereItListens() {
        ServerAddress at = ServerAddress.listen("127.0.0.1", 0, "x.host");
        assertNotEquals(0, at.port());
        assertEquals("http://127.0.0.1:" + at.port(), at.endpoint());
        assertEquals(at.endpoint(), at.probe());
        assertEquals("http://[::1]:8080", ServerAddress.url("::1", 8080));
    }

    @Test
    void aWildcardServerIsCheckedOnLoopbackAndReachedByTheNodesName() {
        ServerAddress at = ServerAddress.listen("0.0.0.0", 8123, "x.host");
        assertEquals("http://127.0.0.1:8123", at.probe());
        assertTrue(at.endpoint().endsWith(":8123") && !at.endpoint().contains("0.0.0.0"), at.endpoint());
    }

    @Test
    void theRecordedAddressIsReadBackFromTheRunsState() throws Exception {
        ServerAddress at = new ServerAddress(8123, "http://node-1:8123", "http://127.0.0.1:8123");
        Properties state = new Properties();
        at.record(state);
        ServerState.write(tmp, "server.properties", state, "test");
        assertEquals(at, ServerAddress.recorded(ServerState.read(tmp, "server.properties").orElseThrow()));
        assertTrue(ServerState.read(tmp, "other.properties").isEmpty());
    }
}
