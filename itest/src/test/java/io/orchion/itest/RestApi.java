package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * A REST client that checks each answer against the instance's own OpenAPI document: the
 * operation exists, the status is documented for it, and the body validates against the
 * schema the document gives for that status and content type. It records the operations
 * called, so a test can tell which documented ones it never exercised.
 */
final class RestApi {
    static final ObjectMapper JSON = new ObjectMapper();

    final Instance instance;
    final JsonNode doc;
    final HttpClient http = HttpClient.newHttpClient();
    final Set<String> called = new TreeSet<>();
    private final JsonSchemaFactory schemas = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    RestApi(Instance instance) throws Exception {
        this.instance = instance;
        HttpResponse<String> r = raw("GET", "/api/openapi.json", null, null);
        assertEquals(200, r.statusCode());
        this.doc = JSON.readTree(r.body());
    }

    HttpResponse<String> raw(String method, String path, String type, String body) throws Exception {
        HttpRequest.Builder b = instance.http(path);
        if (type != null) {
            b.header("Content-Type", type);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends and checks the answer against the document; {@code expect} is the status wanted. */
    HttpResponse<String> call(String method, String path, String type, String body, int expect) throws Exception {
        HttpResponse<String> r = raw(method, path, type, body);
        assertEquals(expect, r.statusCode(), method + " " + path + ": " + r.body());
        check(method, path, r);
        return r;
    }

    HttpResponse<String> get(String path, int expect) throws Exception {
        return call("GET", path, null, null, expect);
    }

    /** The document's path template matching a concrete path, or null. */
    String template(String path) {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        for (Iterator<String> it = doc.get("paths").fieldNames(); it.hasNext();) {
            String t = it.next();
            if (Pattern.matches(t.replaceAll("\\{[a-zA-Z]+\\}", "[^/]+").replace(".", "\\."), p)) {
                return t;
            }
        }
        return null;
    }

    void check(String method, String path, HttpResponse<String> r) throws Exception {
        String type = r.headers().firstValue("Content-Type").orElse("").split(";")[0].trim();
        String template = template(path);
        JsonNode op = template == null ? null : doc.get("paths").get(template).get(method.toLowerCase());
        JsonNode response;
        if (op == null) {
            // not an operation: must be a documented-style problem (404 or 405)
            assertTrue(r.statusCode() == 404 || r.statusCode() == 405, method + " " + path + " is undocumented yet answered "
                    + r.statusCode());
            response = doc.at("/components/responses/Problem");
        } else {
            called.add(method.toUpperCase() + " " + template);
            response = op.get("responses").get(String.valueOf(r.statusCode()));
            if (response == null) {
                assertTrue(r.statusCode() >= 400, method + " " + path + ": status " + r.statusCode() + " undocumented");
                response = op.get("responses").get("default");
            }
            if (response.has("$ref")) {
                response = doc.at(response.get("$ref").asText().substring(1));
            }
        }
        JsonNode content = response.get("content");
        if (content == null) {
            return;
        }
        JsonNode media = content.get(type);
        if (media == null) {
            fail(method + " " + path + " answered " + r.statusCode() + " as '" + type + "', documented: " + content);
        }
        if (type.endsWith("json")) {
            validate(media.get("schema"), JSON.readTree(r.body()), method + " " + path);
        }
    }

    /** Validates a body against a schema of the document (its refs resolved within it). */
    void validate(JsonNode schema, JsonNode body, String what) {
        ObjectNode standalone = JSON.createObjectNode();
        standalone.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        standalone.set("$defs", doc.at("/components/schemas"));
        schema.fields().forEachRemaining(e -> standalone.set(e.getKey(), e.getValue()));
        String text = standalone.toString().replace("#/components/schemas/", "#/$defs/");
        JsonSchema s = schemas.getSchema(text);
        Set<ValidationMessage> errors = s.validate(body);
        assertTrue(errors.isEmpty(), what + ": body does not match the document: " + errors + "\n" + body);
    }

    /** Every documented operation, as METHOD TEMPLATE. */
    Set<String> documented() {
        Set<String> all = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext();) {
            var p = it.next();
            p.getValue().fieldNames().forEachRemaining(m -> {
                if (!m.equals("parameters")) {
                    all.add(m.toUpperCase() + " " + p.getKey());
                }
            });
        }
        return all;
    }

    static String field0(String json, String name) {
        try {
            return field(json, name);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    static String field(String json, String name) throws Exception {
        JsonNode n = JSON.readTree(json).get(name);
        return n == null ? "" : n.asText();
    }
}
