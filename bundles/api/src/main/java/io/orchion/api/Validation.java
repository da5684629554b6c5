package io.orchion.api;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one place that says what an id, a name, a label or a path may look like. Every front end
 * (shell, REST, gRPC, the agent, the job spec parser, the runtimes) checks its input with these,
 * so a rule changes here or nowhere. Each check throws {@link InvalidArgumentException} naming the
 * field; each {@code is...} answers without throwing.
 *
 * <ul>
 * <li><b>Node id</b>: 1 to 128 letters, digits, '.', '_', ':' or '-', starting with a letter or
 * digit (an agent's UUID, or what a script registered).</li>
 * <li><b>Job id</b>: the job's name, '-', and 8 hexadecimal digits (the scheduler makes them).</li>
 * <li><b>Name</b> (node names, job names shown to people): 1 to {@value #MAX_NAME} characters, no
 * control or invisible formatting characters, not blank.</li>
 * <li><b>Label key</b>: as Kubernetes: an optional DNS-subdomain prefix (lower case, at most 253
 * characters) and '/', then 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a
 * letter or digit.</li>
 * <li><b>Label value</b>: 0 to 63 characters, no control or formatting characters, no U+FFFD (the
 * mark of bytes that were not UTF-8) and no unpaired surrogate.</li>
 * <li><b>Environment variable name</b>: 1 to {@value #MAX_ENV_NAME} characters, no '=', no NUL or
 * other control characters (the operating system splits NAME=VALUE at the first '=').</li>
 * <li><b>Argument or environment value</b>: no NUL (no operating system can pass one).</li>
 * <li><b>Host path</b>: absolute and normalised (no empty, '.' or '..' segments, no trailing '/'),
 * no control characters, at most 4096 characters.</li>
 * </ul>
 */
public final class Validation {
    public static final int MAX_NAME = 253;
    public static final int MAX_LABEL_VALUE = 63;
    public static final int MAX_PATH = 4096;
    public static final int MAX_LABELS = 64;
    public static final int MAX_ENV_NAME = 256;

    /** Node ids. */
    public static final String NODE_ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:-]{0,127}";
    /** Job names (the spec's {@code name}); also the schema's pattern. */
    public static final String JOB_NAME_PATTERN = "[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?";
    /** Job ids: a job name, '-', 8 hexadecimal digits. */
    public static final String JOB_ID_PATTERN = JOB_NAME_PATTERN + "-[0-9a-f]{8}";
    /** Label keys; {@code job-spec.schema.json} carries the same pattern (a test keeps them equal). */
    public static final String LABEL_KEY_PATTERN = "([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*/)?"
            + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
    /** Docker named volumes (the engine's own rule). */
    public static final String VOLUME_NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]{0,254}";

    private static final Pattern NODE_ID = Pattern.compile(NODE_ID_PATTERN);
    private static final Pattern JOB_ID = Pattern.compile(JOB_ID_PATTERN);
    private static final Pattern LABEL_KEY = Pattern.compile(LABEL_KEY_PATTERN);
    private static final Pattern VOLUME_NAME = Pattern.compile(VOLUME_NAME_PATTERN);

    private Validation() {
    }

    public static boolean isNodeId(String s) {
        return s != null && NODE_ID.matcher(s).matches();
    }

    /** The id, checked: required and well formed. */
    public static String nodeId(String field, String s) {
        required(field, s);
        if (!isNodeId(s)) {
            throw new InvalidArgumentException(field, "'" + shown(s) + "' is not a node id: use 1 to 128 letters,"
                    + " digits, '.', '_', ':' or '-', starting with a letter or digit");
        }
        return s;
    }

    public static boolean isJobId(String s) {
        return s != null && s.length() <= 72 && JOB_ID.matcher(s).matches();
    }

    /** The id, checked: required and of the form NAME-xxxxxxxx. */
    public static String jobId(String field, String s) {
        required(field, s);
        if (!isJobId(s)) {
            throw new InvalidArgumentException(field, "'" + shown(s) + "' is not a job id (NAME-xxxxxxxx)");
        }
        return s;
    }

    /** Whether {@code s} is a node id or a node name (what shell and REST accept to name a node). */
    public static String nodeRef(String field, String s) {
        required(field, s);
        if (!isNodeId(s)) {
            name(field, s);
        }
        return s;
    }

    public static boolean isName(String s) {
        return s != null && !s.isBlank() && s.length() <= MAX_NAME && printable(s);
    }

    /** A name shown to people: not blank, at most {@value #MAX_NAME} characters, nothing invisible. */
    public static String name(String field, String s) {
        required(field, s);
        if (s.length() > MAX_NAME) {
            throw new InvalidArgumentException(field, "longer than " + MAX_NAME + " characters");
        }
        if (!printable(s)) {
            throw new InvalidArgumentException(field, "'" + shown(s) + "' has control or formatting characters");
        }
        return s;
    }

    public static boolean isLabelKey(String s) {
        if (s == null || !LABEL_KEY.matcher(s).matches()) {
            return false;
        }
        int slash = s.indexOf('/');
        return slash <= 253;
    }

    public static boolean isLabelValue(String s) {
        return s != null && s.length() <= MAX_LABEL_VALUE && printable(s);
    }

    public static String labelKey(String field, String key) {
        if (!isLabelKey(key)) {
            throw new InvalidArgumentException(field, "'" + shown(key) + "' is not a label key: an optional DNS"
                    + " prefix and '/', then 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a"
                    + " letter or digit");
        }
        return key;
    }

    public static String labelValue(String field, String value) {
        if (value == null) {
            throw new InvalidArgumentException(field, "required, but missing");
        }
        if (value.length() > MAX_LABEL_VALUE) {
            throw new InvalidArgumentException(field, "longer than " + MAX_LABEL_VALUE + " characters");
        }
        if (!printable(value)) {
            throw new InvalidArgumentException(field, "'" + shown(value) + "' has control or formatting characters"
                    + " or an unpaired surrogate");
        }
        if (value.indexOf('\uFFFD') >= 0) {
            throw new InvalidArgumentException(field, "'" + shown(value) + "' has U+FFFD, the replacement character"
                    + " of bytes that were not UTF-8: send the value in UTF-8");
        }
        return value;
    }

    public static boolean isEnvName(String s) {
        if (s == null || s.isEmpty() || s.length() > MAX_ENV_NAME || s.indexOf('=') >= 0 || !printable(s)) {
            return false;
        }
        return true;
    }

    /** An environment variable name: 1 to {@value #MAX_ENV_NAME} characters, no '=', nothing invisible. */
    public static String envName(String field, String name) {
        if (!isEnvName(name)) {
            throw new InvalidArgumentException(field, "'" + shown(name == null ? "" : name) + "' is not an environment"
                    + " variable name: 1 to " + MAX_ENV_NAME + " characters, no '=', no control characters");
        }
        return name;
    }

    /** A command-line argument or an environment value: anything but NUL, which no process can receive. */
    public static String execText(String field, String s) {
        if (s != null && s.indexOf('\0') >= 0) {
            throw new InvalidArgumentException(field, "has a NUL character, which no process can receive");
        }
        return s;
    }

    /** Whether every surrogate in {@code s} is half of a pair (a string Java can encode as UTF-8). */
    public static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decodes UTF-8 strictly: a malformed or truncated sequence is refused, naming its byte offset
     * and line, instead of being replaced by U+FFFD (which would store something other than what
     * was sent).
     */
    public static String utf8(String field, byte[] bytes) {
        java.nio.charset.CharsetDecoder decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8L, bytes.length));
        java.nio.charset.CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new InvalidArgumentException(field, "not valid UTF-8: a malformed byte sequence at byte " + at
                    + " (line " + line + ")");
        }
        return out.flip().toString();
    }

    /** Labels, checked: at most {@value #MAX_LABELS}, each key and value as above. */
    public static Map<String, String> labels(String field, Map<String, String> labels) {
        if (labels == null) {
            return Map.of();
        }
        if (labels.size() > MAX_LABELS) {
            throw new InvalidArgumentException(field, "more than " + MAX_LABELS + " labels");
        }
        labels.forEach((k, v) -> {
            labelKey(field, k);
            labelValue(field + "." + k, v);
        });
        return labels;
    }

    /** Whether a mount source names a host path (it starts with '/'); anything else is a named volume. */
    public static boolean isHostPath(String source) {
        return source != null && source.startsWith("/");
    }

    public static boolean isNormalAbsolutePath(String p) {
        if (p == null || p.isEmpty() || p.length() > MAX_PATH || p.charAt(0) != '/' || !printable(p)) {
            return false;
        }
        if (p.equals("/")) {
            return true;
        }
        for (String segment : p.substring(1).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** An absolute, normalised path: "/srv/models", never "/srv/../etc", "/srv//x", "/srv/" or "srv". */
    public static String absolutePath(String field, String p) {
        required(field, p);
        if (!isNormalAbsolutePath(p)) {
            throw new InvalidArgumentException(field, "'" + shown(p) + "' is not an absolute, normalised path"
                    + " (starting with '/', no '.', '..' or empty segments, no trailing '/', no control characters)");
        }
        return p;
    }

    /** A mount source: a host path as {@link #absolutePath}, or a named volume. */
    public static String mountSource(String field, String source) {
        required(field, source);
        if (isHostPath(source)) {
            return absolutePath(field, source);
        }
        if (!VOLUME_NAME.matcher(source).matches()) {
            throw new InvalidArgumentException(field, "'" + shown(source) + "' is neither an absolute host path nor"
                    + " a volume name (letters, digits, '_', '.', '-')");
        }
        return source;
    }

    /** A program: a name found on the PATH (no '/'), or an absolute, normalised path. */
    public static String program(String field, String p) {
        required(field, p);
        if (p.contains("/")) {
            return absolutePath(field, p);
        }
        if (p.length() > MAX_NAME || !printable(p)) {
            throw new InvalidArgumentException(field, "'" + shown(p) + "' is not a program name");
        }
        return p;
    }

    /**
     * Whether every character is visible or a plain space: no controls, no invisible formatting, no
     * unpaired surrogate.
     */
    public static boolean printable(String s) {
        if (!isWellFormed(s)) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                return false;
            }
        }
        return true;
    }

    private static void required(String field, String s) {
        if (s == null || s.isEmpty()) {
            throw new InvalidArgumentException(field, "required, but empty");
        }
    }

    /** A value safe to echo in a message: controls escaped, long values cut. */
    static String shown(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 80; i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                sb.append(c).append(s.charAt(++i));
            } else if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                    || Character.isSurrogate(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return s.length() > 80 ? sb + "..." : sb.toString();
    }
}
