package io.orchion.runtime.docker.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.Validation;
import io.orchion.api.runtime.Allowance;

/**
 * A job's {@code docker:} section, checked again here (the orchestrator checked it against the
 * schema; an agent must not trust that), with every problem named by its field.
 */
record DockerSettings(String image, List<String> command, List<String> args, Map<String, String> env, String workdir,
        String user, List<Port> ports, List<Volume> volumes, Map<String, String> labels, String pull,
        Duration stopGrace, boolean privileged) {

    /** What this container needs beyond the default sandbox: privileged, host mounts. */
    Set<Allowance> needs() {
        Set<Allowance> needs = EnumSet.noneOf(Allowance.class);
        if (privileged) {
            needs.add(Allowance.PRIVILEGED);
        }
        if (volumes.stream().anyMatch(v -> Validation.isHostPath(v.source()))) {
            needs.add(Allowance.HOST_MOUNTS);
        }
        return needs;
    }

    record Port(int container, int host, String hostIp, String protocol) {
    }

    record Volume(String source, String target, boolean readOnly) {
    }

    static DockerSettings parse(Map<String, Object> s) {
        Object image = s.get("image");
        if (!(image instanceof String i) || i.isBlank()) {
            throw new InvalidArgumentException("docker.image", "required, but missing");
        }
        if (i.length() > 512 || i.chars().anyMatch(c -> c <= ' ')) {
            throw new InvalidArgumentException("docker.image", "'" + i + "' is not an image reference");
        }
        List<Port> ports = new ArrayList<>();
        for (Object o : list(s.get("ports"), "docker.ports")) {
            Map<String, Object> p = map(o, "docker.ports");
            int container = integer(p.get("container"), "docker.ports.container", 1, 65535, -1);
            int host = integer(p.get("host"), "docker.ports.host", 0, 65535, 0);
            String ip = p.get("hostIp") == null ? "127.0.0.1" : p.get("hostIp").toString();
            String proto = p.get("protocol") == null ? "tcp" : p.get("protocol").toString();
            if (!proto.equals("tcp") && !proto.equals("udp")) {
                throw new InvalidArgumentException("docker.ports.protocol", "'" + proto + "' is not tcp or udp");
            }
            ports.add(new Port(container, host, ip, proto));
        }
        List<Volume> volumes = new ArrayList<>();
        for (Object o : list(s.get("volumes"), "docker.volumes")) {
            Map<String, Object> v = map(o, "docker.volumes");
            String at = "docker.volumes[" + volumes.size() + "]";
            String source = Validation.mountSource(at + ".source", v.get("source") == null ? "" : v.get("source").toString());
            String target = Validation.absolutePath(at + ".target", v.get("target") == null ? "" : v.get("target").toString());
            volumes.add(new Volume(source, target, Boolean.TRUE.equals(v.get("readOnly"))));
        }
        String pull = s.get("pull") == null ? "missing" : s.get("pull").toString();
        if (!List.of("missing", "always", "never").contains(pull)) {
            throw new InvalidArgumentException("docker.pull", "'" + pull + "' is not missing, always or never");
        }
        Duration grace = null;
        if (s.get("stopGrace") != null) {
            Object g = s.get("stopGrace");
            grace = g instanceof Number n ? Duration.ofMillis(n.longValue()) : io.orchion.api.Durations.parse("docker.stopGrace", g.toString(), "10s or 2m");
        }
        return new DockerSettings(i, strings(s.get("command"), "docker.command"), strings(s.get("args"), "docker.args"),
                stringMap(s.get("env"), "docker.env"), str(s.get("workdir")), str(s.get("user")), ports, volumes,
                stringMap(s.get("labels"), "docker.labels"), pull, grace, privileged(s.get("privileged")));
    }

    private static boolean privileged(Object o) {
        if (o == null || o instanceof Boolean) {
            return Boolean.TRUE.equals(o);
        }
        throw new InvalidArgumentException("docker.privileged", "'" + o + "' is not true or false");
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static int integer(Object o, String field, int min, int max, int fallback) {
        if (o == null) {
            if (fallback < 0) {
                throw new InvalidArgumentException(field, "required, but missing");
            }
            return fallback;
        }
        if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < min
                || n.intValue() > max) {
            throw new InvalidArgumentException(field, "'" + o + "' is not a whole number from " + min + " to " + max);
        }
        return n.intValue();
    }

    private static List<?> list(Object o, String field) {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> l)) {
            throw new InvalidArgumentException(field, "must be a list");
        }
        return l;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String field) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new InvalidArgumentException(field, "each entry must be an object");
        }
        return (Map<String, Object>) m;
    }

    private static List<String> strings(Object o, String field) {
        return list(o, field).stream().map(String::valueOf).toList();
    }

    private static Map<String, String> stringMap(Object o, String field) {
        if (o == null) {
            return Map.of();
        }
        if (!(o instanceof Map<?, ?> m)) {
            throw new InvalidArgumentException(field, "must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }

    /** Image reference split for a pull: a missing tag means latest (the engine would pull every tag). */
    static String[] repositoryAndTag(String image) {
        if (image.contains("@")) {
            return new String[] { image, null };
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon > slash) {
            return new String[] { image.substring(0, colon), image.substring(colon + 1) };
        }
        return new String[] { image, "latest" };
    }

}
