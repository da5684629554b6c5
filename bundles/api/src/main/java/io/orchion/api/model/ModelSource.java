package io.orchion.api.model;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

import io.orchion.api.InvalidArgumentException;

/**
 * Where a model's weights come from, as an operator writes it:
 * <ul>
 * <li>{@code /srv/models/qwen.gguf}: a file already on the node ({@link Kind#PATH});</li>
 * <li>{@code https://host/path/qwen.gguf}: downloaded into the node's model cache ({@link Kind#URL});</li>
 * <li>{@code hf:OWNER/REPO/FILE} or {@code hf:OWNER/REPO/FILE@REVISION}: a file of a Hugging Face
 * repository, resolved against the configured endpoint (a local mirror works) and downloaded as a
 * URL is ({@link Kind#HUGGING_FACE});</li>
 * <li>{@code ollama:TAG}: pulled by the Ollama runtime itself ({@link Kind#OLLAMA}).</li>
 * </ul>
 *
 * @param kind     which of the four
 * @param location the path, the URL, {@code OWNER/REPO/FILE[@REVISION]} or the Ollama tag
 * @param sha256   the file's expected SHA-256 in lower-case hex, or null when not given
 */
public record ModelSource(Kind kind, String location, String sha256) {

    public enum Kind {
        PATH, URL, HUGGING_FACE, OLLAMA
    }

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern HF_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    /** A file path segment in a repository: any printable name but / \\ ? # and %, not . or .. */
    private static final Pattern HF_FILE_SEGMENT = Pattern.compile("[^\\x00-\\x1f\\x7f/\\\\?#%]{1,255}");
    private static final Pattern HF_REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,127}");
    private static final Pattern OLLAMA_TAG = Pattern.compile("[a-z0-9][a-z0-9._/-]{0,127}(:[A-Za-z0-9._-]{1,128})?");
    /** Long enough for any real URL or path; a longer one is a mistake or an attack. */
    public static final int MAX_LENGTH = 2048;

    public ModelSource {
        if (kind == null || location == null) {
            throw new InvalidArgumentException("source", "a kind and a location are needed");
        }
    }

    /**
     * Reads a source as an operator writes it; {@code sha256} may be null or blank. Refuses anything
     * that is not one of the four forms, naming what was wrong.
     */
    public static ModelSource parse(String text, String sha256) {
        if (text == null || text.isBlank()) {
            throw new InvalidArgumentException("source", "missing: give an absolute path, an http(s) URL, "
                    + "hf:OWNER/REPO/FILE or ollama:TAG");
        }
        String s = text.strip();
        if (s.length() > MAX_LENGTH) {
            throw new InvalidArgumentException("source", "longer than " + MAX_LENGTH + " characters");
        }
        if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidArgumentException("source", "holds a control character");
        }
        String sum = checksum(sha256);
        if (s.startsWith("/")) {
            for (String segment : s.split("/")) {
                if (segment.equals("..") || segment.equals(".")) {
                    throw new InvalidArgumentException("source", "'" + s + "' has a '" + segment + "' segment");
                }
            }
            return new ModelSource(Kind.PATH, s, sum);
        }
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            URI uri;
            try {
                uri = new URI(s);
            } catch (URISyntaxException e) {
                throw new InvalidArgumentException("source", "'" + s + "' is not a URL: " + e.getReason());
            }
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                throw new InvalidArgumentException("source", "'" + s + "' names no host");
            }
            if (uri.getRawUserInfo() != null) {
                throw new InvalidArgumentException("source", "'" + s + "' carries a user name or password: "
                        + "they would be stored and shown with the deployment");
            }
            if (uri.getRawFragment() != null) {
                throw new InvalidArgumentException("source", "'" + s + "' has a #fragment");
            }
            return new ModelSource(Kind.URL, s, sum);
        }
        if (lower.startsWith("hf:")) {
            String ref = s.substring(3);
            String path = ref;
            String revision = null;
            int at = ref.lastIndexOf('@');
            if (at >= 0) {
                path = ref.substring(0, at);
                revision = ref.substring(at + 1);
                if (!HF_REVISION.matcher(revision).matches() || revision.contains("..")) {
                    throw new InvalidArgumentException("source", "'" + s + "': revision '" + revision
                            + "' is not a branch, tag or commit name");
                }
            }
            String[] parts = path.split("/", -1);
            if (parts.length < 3) {
                throw new InvalidArgumentException("source", "'" + s + "' is not hf:OWNER/REPO/FILE");
            }
            for (int i = 0; i < parts.length; i++) {
                boolean ok = i < 2 ? HF_NAME.matcher(parts[i]).matches() : HF_FILE_SEGMENT.matcher(parts[i]).matches();
                if (!ok || parts[i].equals("..") || parts[i].equals(".")) {
                    throw new InvalidArgumentException("source", "'" + s + "': '" + parts[i] + "' is not a valid "
                            + (i == 0 ? "owner" : i == 1 ? "repository" : "file path segment"));
                }
            }
            return new ModelSource(Kind.HUGGING_FACE, ref, sum);
        }
        if (lower.startsWith("ollama:")) {
            String tag = s.substring(7);
            if (!OLLAMA_TAG.matcher(tag).matches()) {
                throw new InvalidArgumentException("source", "'" + s + "': '" + tag + "' is not an Ollama model tag");
            }
            if (sum != null) {
                throw new InvalidArgumentException("sha256", "an Ollama tag is checked by Ollama itself; give no sha256");
            }
            return new ModelSource(Kind.OLLAMA, tag, null);
        }
        throw new InvalidArgumentException("source", "'" + s + "' is not an absolute path, an http(s) URL, "
                + "hf:OWNER/REPO/FILE or ollama:TAG");
    }

    private static String checksum(String sha256) {
        if (sha256 == null || sha256.isBlank()) {
            return null;
        }
        String sum = sha256.strip().toLowerCase(Locale.ROOT);
        if (sum.startsWith("sha256:")) {
            sum = sum.substring(7);
        }
        if (!SHA256.matcher(sum).matches()) {
            throw new InvalidArgumentException("sha256", "'" + sha256.strip() + "' is not 64 hex digits");
        }
        return sum;
    }

    /** For a Hugging Face source: the repository as {@code OWNER/REPO}. */
    public String repository() {
        requireKind(Kind.HUGGING_FACE);
        String[] parts = path().split("/", 3);
        return parts[0] + "/" + parts[1];
    }

    /** For a Hugging Face source: the file's path in the repository. */
    public String file() {
        requireKind(Kind.HUGGING_FACE);
        return path().split("/", 3)[2];
    }

    /** For a Hugging Face source: the revision, {@code main} when none was given. */
    public String revision() {
        requireKind(Kind.HUGGING_FACE);
        int at = location.lastIndexOf('@');
        return at < 0 ? "main" : location.substring(at + 1);
    }

    private String path() {
        int at = location.lastIndexOf('@');
        return at < 0 ? location : location.substring(0, at);
    }

    private void requireKind(Kind k) {
        if (kind != k) {
            throw new IllegalStateException(this + " is not a " + k + " source");
        }
    }

    /** As an operator writes it. */
    @Override
    public String toString() {
        return switch (kind) {
            case PATH, URL -> location;
            case HUGGING_FACE -> "hf:" + location;
            case OLLAMA -> "ollama:" + location;
        };
    }
}
