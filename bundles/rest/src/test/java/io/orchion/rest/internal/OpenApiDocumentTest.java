package io.orchion.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

import io.orchion.proto.v1.OrchionProto;

/**
 * Keeps {@code openapi.json} in step with the code: its operations are exactly the route table
 * ({@link Routes#ALL}), each with the role it needs ({@code x-role}) and, for a mutating one, its
 * audit action ({@code x-audit}); and every schema marked {@code x-proto} is what the protobuf JSON
 * mapping of that message prints. Run with {@code -Dopenapi.write=true} to rewrite the schemas
 * from the descriptors after changing orchion.proto.
 */
class OpenApiDocumentTest {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final Path FILE = Path.of("src/main/resources/io/orchion/rest/internal/openapi.json");

    @Test
    void pathsRolesAndAuditActionsAreTheRouteTable() throws Exception {
        JsonNode doc = read();
        TreeSet<String> documented = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(m -> {
            if (!m.getKey().equals("parameters")) {
                documented.add(m.getKey().toUpperCase() + " " + p.getKey() + " role=" + m.getValue().path("x-role").asText()
                        + " audit=" + m.getValue().path("x-audit").asText("-"));
            }
        }));
        TreeSet<String> served = new TreeSet<>();
        Routes.ALL.forEach(r -> served.add(r.method() + " " + r.path() + " role=" + r.role().label() + " audit="
                + (r.action() == null ? "-" : r.action().id())));
        assertEquals(served, documented);
    }

    @Test
    void protoSchemasMatchTheProtobufJsonMapping() throws Exception {
        JsonNode doc = read();
        ObjectNode schemas = (ObjectNode) doc.get("components").get("schemas");
        List<String> wrong = new ArrayList<>();
        ObjectNode expected = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = schemas.fields(); it.hasNext();) {
            var e = it.next();
            JsonNode proto = e.getValue().get("x-proto");
            if (proto == null) {
                continue;
            }
            Descriptor d = OrchionProto.getDescriptor().findMessageTypeByName(proto.asText().replace("orchion.v1.", ""));
            ObjectNode want = schema(d);
            if (e.getValue().has("description")) {
                want.set("description", e.getValue().get("description"));
            }
            expected.set(e.getKey(), want);
            if (!want.equals(e.getValue())) {
                wrong.add(e.getKey());
            }
        }
        if (Boolean.getBoolean("openapi.write")) {
            expected.fields().forEachRemaining(e -> schemas.set(e.getKey(), e.getValue()));
            Files.writeString(FILE, JSON.writeValueAsString(doc) + "\n");
            return;
        }
        assertEquals(List.of(), wrong, "schemas out of step with orchion.proto (rerun with -Dopenapi.write=true)");
    }

    static JsonNode read() throws Exception {
        try (InputStream in = Files.newInputStream(FILE)) {
            return JSON.readTree(in);
        }
    }

    /** The JSON Schema of a message as JsonFormat prints it with alwaysPrintFieldsWithNoPresence. */
    static ObjectNode schema(Descriptor d) {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("type", "object");
        s.put("x-proto", d.getFullName());
        ObjectNode props = s.putObject("properties");
        ArrayNode required = JsonNodeFactory.instance.arrayNode();
        for (FieldDescriptor f : d.getFields()) {
            props.set(f.getJsonName(), field(f));
            if (!f.hasPresence()) {
                required.add(f.getJsonName());
            }
        }
        if (!required.isEmpty()) {
            s.set("required", required);
        }
        s.put("additionalProperties", false);
        return s;
    }

    static ObjectNode field(FieldDescriptor f) {
        if (f.isMapField()) {
            ObjectNode m = JsonNodeFactory.instance.objectNode();
            m.put("type", "object");
            m.set("additionalProperties", single(f.getMessageType().findFieldByName("value")));
            return m;
        }
        if (f.isRepeated()) {
            ObjectNode a = JsonNodeFactory.instance.objectNode();
            a.put("type", "array");
            a.set("items", single(f));
            return a;
        }
        return single(f);
    }

    static ObjectNode single(FieldDescriptor f) {
        ObjectNode t = JsonNodeFactory.instance.objectNode();
        switch (f.getJavaType()) {
            case STRING -> t.put("type", "string");
            case BOOLEAN -> t.put("type", "boolean");
            case INT -> t.put("type", "integer").put("format", "int32");
            case LONG -> t.put("type", "string").put("format", "int64").put("pattern", "^-?[0-9]+$");
            case FLOAT, DOUBLE -> t.put("type", "number");
            case BYTE_STRING -> t.put("type", "string").put("contentEncoding", "base64");
            case ENUM -> {
                t.put("type", "string");
                ArrayNode values = t.putArray("enum");
                f.getEnumType().getValues().forEach(v -> values.add(v.getName()));
            }
            case MESSAGE -> {
                if (f.getMessageType().getFullName().equals("google.protobuf.Struct")) {
                    t.put("type", "object");
                } else {
                    t.put("$ref", "#/components/schemas/" + f.getMessageType().getName());
                }
            }
        }
        return t;
    }
}
