package io.orchion.runtime.docker.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.Validation;
import io.orchion.api.runtime.Allowance;
import io.orchion.runtime.support.Settings;

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
        Settings in = new Settings(s, "docker.");
        List<Port> ports = new ArrayList<>();
        for (Map<String, Object> p : in.maps("ports")) {
            Settings port = new Settings(p, "docker.ports.");
            Integer container = port.integer("container", null, 1, 65535);
            if (container == null) {
                throw new InvalidArgumentException("docker.ports.container", "required, but missing");
            }
            int host = port.integer("host", 0, 0, 65535);
            String ip = port.string("hostIp", "127.0.0.1");
            String proto = port.string("protocol", "tcp");
            if (!proto.equals("tcp") && !proto.equals("udp")) {
                throw new InvalidArgumentException("docker.ports.protocol", "'" + proto + "' is not tcp or udp");
            }
            ports.add(new Port(container, host, ip, proto));
        }
        List<Volume> volumes = new ArrayList<>();
        for (Map<String, Object> v : in.maps("volumes")) {
            String at = "docker.volumes[" + volumes.size() + "]";
            String source = Validation.mountSource(at + ".source", v.get("source") == null ? "" : v.get("source").toString());
            String target = Validation.absolutePath(at + ".target", v.get("target") == null ? "" : v.get("target").toString());
            volumes.add(new Volume(source, target, Boolean.TRUE.equals(v.get("readOnly"))));
        }
        String pull = in.string("pull", "missing");
        if (!List.of("missing", "always", "never").contains(pull)) {
            throw new InvalidArgumentException("docker.pull", "'" + pull + "' is not missing, always or never");
        }
        Duration grace = null;
        if (s.get("stopGrace") != null) {
            Object g = s.get("stopGrace");
            grace = g instanceof Number n ? Duration.ofMillis(n.longValue()) : io.orchion.api.Durations.parse("docker.stopGrace", g.toString(), "10s or 2m");
        }
        return new DockerSettings(i, in.stringList("command"), in.stringList("args"), in.stringMap("env"),
                in.string("workdir", null), in.string("user", null), ports, volumes, in.stringMap("labels"), pull, grace,
                privileged(s.get("privileged")));
    }

    private static boolean privileged(Object o) {
        if (o == null || o instanceof Boolean) {
            return Boolean.TRUE.equals(o);
        }
        throw new InvalidArgumentException("docker.privileged", "'" + o + "' is not true or false");
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
