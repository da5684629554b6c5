package io.orchion.gateway.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.SortedSet;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The REST filter authorises {@code /v1} calls by its route table, which its own test keeps equal
 * to {@code openapi.json}; this keeps the gateway's routes equal to the same document, each with
 * the inference role, so no route is served here that the table does not guard.
 */
class GatewayRoutesTest {
    @Test
    void theGatewayServesExactlyTheV1RoutesOfTheApiDocument() throws Exception {
        JsonNode doc = new ObjectMapper()
                .readTree(Path.of("../rest/src/main/resources/io/orchion/rest/internal/openapi.json").toFile());
        SortedSet<String> documented = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(p -> {
            if (p.getKey().startsWith("/v1/")) {
                p.getValue().fields().forEachRemaining(m -> {
                    documented.add(m.getKey().toUpperCase() + " " + p.getKey());
                    assertEquals("inference", m.getValue().path("x-role").asText(), p.getKey());
                });
            }
        });
        assertFalse(documented.isEmpty());
        assertEquals(documented, Gateway.routes());
    }
}
