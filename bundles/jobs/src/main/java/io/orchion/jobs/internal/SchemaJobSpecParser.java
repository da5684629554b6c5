package io.orchion.jobs.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.Validation;
import io.orchion.api.job.Constraint;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobSpecParser;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.runtime.Allowance;
import io.orchion.api.scheduler.ResourceRequest;

/**
 * Parses JSON or YAML, checks it against {@code job-spec.schema.json} (networknt
 * json-schema-validator: a maintained implementation of draft 2020-12, and an OSGi bundle), then
 * converts quantities and durations. Every problem is reported at once, each naming its field.
 */
@Component(service = JobSpecParser.class)
public class SchemaJobSpecParser implements JobSpecParser {
    /** How deep objects and arrays may nest (a plugin's {@code settings:} is free-form). */
    static final int MAX_DEPTH = 32;
    static final double DEFAULT_CPU = 0.1;
    static final long DEFAULT_MEMORY = 64L << 20;
    static final int DEFAULT_PRIORITY = 100;

    private final ObjectMapper json = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private final ObjectMapper yaml = new YAMLMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private final JsonSchema schema;

    public SchemaJobSpecParser() {
        try (InputStream in = JobSpecParser.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the job spec schema is missing from the API bundle");
            }
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the job spec schema: " + e.getMessage(), e);
        }
    }

    @Override
    public JobSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidArgumentException("spec", "empty; expected a job spec in JSON or YAML");
        }
        long bytes = utf8Length(text);
        if (bytes > MAX_SPEC_BYTES) {
            throw new InvalidArgumentException("spec", "larger than the limit of " + (MAX_SPEC_BYTES >> 10) + " KiB ("
                    + MAX_SPEC_BYTES + " bytes of UTF-8): this one has " + bytes + " bytes");
        }
        JsonNode tree = read(text);
        checkShape(tree);
        Set<String> problems = new TreeSet<>();
        String firstField = null;
        for (ValidationMessage m : schema.validate(tree)) {
            String field = field(m);
            problems.add(describe(field, m));
            if (firstField == null) {
                firstField = field;
            }
        }
        for (String field : lineBreakAtEnd(tree)) {
            problems.add(field + ": must not end with a line break");
            firstField = firstField == null ? field : firstField;
        }
        if (!problems.isEmpty()) {
            throw new InvalidArgumentException(firstField, List.copyOf(problems));
        }
        for (String section : List.of("process", "docker", "vllm", "llamaCpp")) {
            if (tree.has(section)) {
                checkExec(section, tree.get(section));
            }
        }
        try {
            return convert(tree);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            int colon = msg.indexOf(':');
            throw new InvalidArgumentException(colon > 0 ? msg.substring(0, colon) : "spec",
                    colon > 0 ? msg.substring(colon + 2) : msg);
        }
    }

    private JsonNode read(String text) {
        boolean looksJson = text.stripLeading().startsWith("{");
        try {
            JsonNode tree = (looksJson ? json : yaml).readTree(text);
            if (tree == null || !tree.isObject()) {
                throw new InvalidArgumentException("spec", "expected an object with name, runtime, ...");
            }
            return tree;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new InvalidArgumentException("spec", "not valid " + (looksJson ? "JSON" : "YAML") + where + ": "
                    + e.getOriginalMessage());
        }
    }

    /** The length of {@code s} in UTF-8, without encoding it. */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * What the schema cannot say: the spec as JSON (what is kept and sent to nodes; YAML may be
     * shorter) within {@link #MAX_SPEC_BYTES}, nesting within {@link #MAX_DEPTH}, and every key and
     * text well-formed Unicode (a JSON escape such as "\ud800" makes half a surrogate pair, which
     * no UTF-8 encoder can write).
     */
    private void checkShape(JsonNode tree) {
        walk("", tree, 0);
        int asJson;
        try {
            asJson = json.writeValueAsBytes(tree).length;
        } catch (JsonProcessingException e) {
            throw new InvalidArgumentException("spec", "cannot be written as JSON: " + e.getOriginalMessage());
        }
        if (asJson > MAX_SPEC_BYTES) {
            throw new InvalidArgumentException("spec", "larger than the limit of " + (MAX_SPEC_BYTES >> 10)
                    + " KiB once written as JSON: this one has " + asJson + " bytes");
        }
    }

    private static void walk(String at, JsonNode n, int depth) {
        if (depth > MAX_DEPTH) {
            throw new InvalidArgumentException(at, "nested deeper than the limit of " + MAX_DEPTH + " levels");
        }
        if (n.isObject()) {
            for (var it = n.fields(); it.hasNext();) {
                var e = it.next();
                String field = at.isEmpty() ? readable(e.getKey()) : at + "." + readable(e.getKey());
                if (!Validation.isWellFormed(e.getKey())) {
                    throw new InvalidArgumentException(field, "the key has an unpaired surrogate: not valid Unicode");
                }
                walk(field, e.getValue(), depth + 1);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                walk(at + "[" + i + "]", n.get(i), depth + 1);
            }
        } else if (n.isTextual() && !Validation.isWellFormed(n.textValue())) {
            throw new InvalidArgumentException(at, "has an unpaired surrogate: not valid Unicode");
        }
    }

    /**
     * What a process can receive: arguments and environment values without NUL, environment names
     * without '=' (the operating system splits NAME=VALUE at the first one, so "A=B" would set A).
     * Refused here rather than when the node starts the job.
     */
    static void checkExec(String section, JsonNode s) {
        for (String list : List.of("command", "args", "extraArgs")) {
            JsonNode a = s.path(list);
            for (int i = 0; i < a.size(); i++) {
                Validation.execText(section + "." + list + "[" + i + "]", a.get(i).asText());
            }
        }
        for (var it = s.path("env").fields(); it.hasNext();) {
            var e = it.next();
            Validation.envName(section + ".env", e.getKey());
            Validation.execText(section + ".env." + e.getKey(), e.getValue().asText());
        }
    }

    /**
     * The schema's patterns are ECMAScript, where {@code $} is the end of the text; the validator
     * runs them as Java patterns, where {@code $} also matches before a final line break. So
     * "docker\n" passed as a runtime and "hello\n" as a name: refuse them here.
     */
    static List<String> lineBreakAtEnd(JsonNode tree) {
        List<String> fields = new ArrayList<>();
        for (String f : List.of("name", "runtime")) {
            if (tree.path(f).isTextual() && LINE_BREAK_AT_END.matcher(tree.get(f).asText()).find()) {
                fields.add(f);
            }
        }
        tree.path("labels").fieldNames().forEachRemaining(k -> {
            if (LINE_BREAK_AT_END.matcher(k).find()) {
                fields.add("labels." + k.strip());
            }
        });
        return fields;
    }

    private static final java.util.regex.Pattern LINE_BREAK_AT_END = java.util.regex.Pattern
            .compile("[\\n\\r\\u0085\\u2028\\u2029]\\z");

    /** The field a message is about, in dotted form: resources.memory, constraints[0].in, foo. */
    static String field(ValidationMessage m) {
        String path = m.getInstanceLocation() == null ? "$" : m.getInstanceLocation().toString();
        String field = path.equals("$") ? "" : path.replaceFirst("^\\$\\.?", "");
        if (m.getProperty() != null && ("additionalProperties".equals(m.getType()) || "required".equals(m.getType()))) {
            String key = readable(m.getProperty());
            field = field.isEmpty() ? key : field + "." + key;
        }
        return field.isEmpty() ? "spec" : field;
    }

    /** A key as written, or quoted with escapes when it is blank or holds control characters ("\n"). */
    static String readable(String key) {
        if (!key.isBlank() && key.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
            return key;
        }
        return "\"" + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(key)) + "\"";
    }

    static String describe(String field, ValidationMessage m) {
        String type = m.getType();
        if ("additionalProperties".equals(type)) {
            return field + ": unknown field";
        }
        if ("required".equals(type)) {
            return field + ": required";
        }
        String text = m.getMessage().replaceFirst("^\\$[^:]*: ", "");
        return field + ": " + text;
    }

    private JobSpec convert(JsonNode t) {
        String runtime = t.get("runtime").asText();
        Map<String, Object> settings = new LinkedHashMap<>();
        String name = section(runtime);
        JsonNode section = t.has(name) ? t.get(name) : t.get("settings");
        if (section != null) {
            settings = json.convertValue(section, new TypeReference<LinkedHashMap<String, Object>>() {
            });
        }
        JsonNode r = t.path("resources");
        ResourceRequest resources = new ResourceRequest(r.has("cpu") ? r.get("cpu").asDouble() : DEFAULT_CPU,
                r.has("memory") ? bytes("resources.memory", r.get("memory")) : DEFAULT_MEMORY,
                r.path("gpus").asInt(0), r.has("gpuMemory") ? bytes("resources.gpuMemory", r.get("gpuMemory")) : 0);
        if (resources.gpus() == 0 && resources.gpuMemoryBytes() > 0) {
            throw new IllegalArgumentException("resources.gpuMemory: set, but resources.gpus is 0");
        }
        List<Constraint> constraints = new ArrayList<>();
        for (JsonNode c : t.path("constraints")) {
            String at = "constraints[" + constraints.size() + "]";
            Constraint k = new Constraint(c.get("label").asText(), strings(c.get("in")), strings(c.get("notIn")),
                    c.has("exists") ? c.get("exists").asBoolean() : null);
            Validation.labelKey(at + ".label", k.label());
            for (List<String> values : java.util.Arrays.asList(k.in(), k.notIn())) {
                if (values != null) {
                    values.forEach(v -> Validation.labelValue(at + (values == k.in() ? ".in" : ".notIn"), v));
                }
            }
            constraints.add(k);
        }
        JsonNode restart = t.path("restart");
        RestartPolicy policy = new RestartPolicy(restart.path("attempts").asInt(0), restart.has("backoff")
                ? Quantities.duration("restart.backoff", restart.get("backoff").asText()) : Duration.ofSeconds(1));
        Duration timeout = t.has("timeout") ? Quantities.duration("timeout", t.get("timeout").asText()) : null;
        if (timeout != null && timeout.isZero()) {
            throw new IllegalArgumentException("timeout: must be longer than 0");
        }
        Map<String, String> labels = t.has("labels")
                ? json.convertValue(t.get("labels"), new TypeReference<LinkedHashMap<String, String>>() {
                })
                : Map.of();
        Validation.labels("labels", labels);
        Set<Allowance> needs = EnumSet.noneOf(Allowance.class);
        if (t.has("process")) {
            checkProcess(t.get("process"));
        }
        if (t.has("docker")) {
            needs.addAll(checkDocker(t.get("docker")));
        }
        return new JobSpec(t.get("name").asText(), runtime, settings, resources, constraints,
                t.path("priority").asInt(DEFAULT_PRIORITY), policy, timeout, labels, needs);
    }

    /**
     * The spec's section for a runtime: its name, a dashed name in camel case ({@code llama-cpp}
     * reads {@code llamaCpp}, since a section is a field name in the spec's JSON and YAML).
     */
    static String section(String runtime) {
        StringBuilder s = new StringBuilder(runtime.length());
        boolean upper = false;
        for (char c : runtime.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                s.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return s.toString();
    }

    /** The program is a name on the PATH or an absolute path; the workdir an absolute path. */
    static void checkProcess(JsonNode p) {
        Validation.program("process.command[0]", p.path("command").path(0).asText());
        if (p.has("workdir")) {
            Validation.absolutePath("process.workdir", p.get("workdir").asText());
        }
    }

    /**
     * Checks the paths of a {@code docker:} section and says what it needs beyond the default
     * sandbox: {@code privileged} for {@code privileged: true}, {@code host-mounts} for any volume
     * whose source is a host path (named volumes need nothing).
     */
    static Set<Allowance> checkDocker(JsonNode d) {
        Set<Allowance> needs = EnumSet.noneOf(Allowance.class);
        if (d.path("privileged").asBoolean(false)) {
            needs.add(Allowance.PRIVILEGED);
        }
        if (d.has("workdir")) {
            Validation.absolutePath("docker.workdir", d.get("workdir").asText());
        }
        int i = 0;
        for (JsonNode v : d.path("volumes")) {
            String at = "docker.volumes[" + i++ + "]";
            String source = Validation.mountSource(at + ".source", v.path("source").asText());
            Validation.absolutePath(at + ".target", v.path("target").asText());
            if (Validation.isHostPath(source)) {
                needs.add(Allowance.HOST_MOUNTS);
            }
        }
        return needs;
    }

    private static long bytes(String field, JsonNode n) {
        return n.isNumber() ? n.asLong() : Quantities.bytes(field, n.asText());
    }

    private static List<String> strings(JsonNode n) {
        if (n == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        n.forEach(v -> out.add(v.asText()));
        return out;
    }
}
