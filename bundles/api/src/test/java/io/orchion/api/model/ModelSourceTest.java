package io.orchion.api.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.model.ModelSource.Kind;

/** The four ways an operator names a model's weights, and what is refused. */
class ModelSourceTest {
    static final String SUM = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    static String refused(String source, String sha256) {
        return assertThrows(InvalidArgumentException.class, () -> ModelSource.parse(source, sha256)).getMessage();
    }

    @Test
    void eachFormIsReadAsItsKind() {
        ModelSource path = ModelSource.parse(" /srv/models/qwen.gguf ", null);
        assertEquals(new ModelSource(Kind.PATH, "/srv/models/qwen.gguf", null), path);
        ModelSource url = ModelSource.parse("https://files.lan/qwen.gguf?download=1", "SHA256:" + SUM.toUpperCase());
        assertEquals(new ModelSource(Kind.URL, "https://files.lan/qwen.gguf?download=1", SUM), url);
        ModelSource hf = ModelSource.parse("hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf", "");
        assertEquals(Kind.HUGGING_FACE, hf.kind());
        assertEquals("Qwen/Qwen2.5-0.5B-Instruct-GGUF", hf.repository());
        assertEquals("qwen2.5-0.5b-instruct-q4_k_m.gguf", hf.file());
        assertEquals("main", hf.revision());
        assertNull(hf.sha256());
        ModelSource pinned = ModelSource.parse("hf:acme/tiny/sub/dir/w.gguf@refs/pr/1", null);
        assertEquals("sub/dir/w.gguf", pinned.file());
        assertEquals("refs/pr/1", pinned.revision());
        ModelSource ollama = ModelSource.parse("ollama:llama3.2:1b", null);
        assertEquals(new ModelSource(Kind.OLLAMA, "llama3.2:1b", null), ollama);
    }

    @Test
    void itIsWrittenBackAsTheOperatorWroteIt() {
        for (String s : new String[] { "/m/a.gguf", "http://h/a.gguf", "hf:a/b/c.gguf@v1", "ollama:qwen2.5:0.5b" }) {
            assertEquals(s, ModelSource.parse(s, null).toString());
        }
    }

    @Test
    void whatIsNoneOfTheFourIsRefusedNamingTheForms() {
        assertEquals("source: 'models/qwen.gguf' is not an absolute path, an http(s) URL, hf:OWNER/REPO/FILE or ollama:TAG",
                refused("models/qwen.gguf", null));
        assertEquals("source: 'ftp://h/a.gguf' is not an absolute path, an http(s) URL, hf:OWNER/REPO/FILE or ollama:TAG",
                refused("ftp://h/a.gguf", null));
        assertEquals("source: missing: give an absolute path, an http(s) URL, hf:OWNER/REPO/FILE or ollama:TAG",
                refused("  ", null));
    }

    @Test
    void eachFormsOwnMistakesAreNamed() {
        assertEquals("source: '/srv/../etc/shadow' has a '..' segment", refused("/srv/../etc/shadow", null));
        assertEquals("source: 'http:///a.gguf' names no host", refused("http:///a.gguf", null));
        assertEquals("source: 'https://me:secret@h/a.gguf' carries a user name or password: they would be stored and "
                + "shown with the deployment", refused("https://me:secret@h/a.gguf", null));
        assertEquals("source: 'hf:acme/tiny' is not hf:OWNER/REPO/FILE", refused("hf:acme/tiny", null));
        assertEquals("source: 'hf:acme/../x.gguf': '..' is not a valid repository", refused("hf:acme/../x.gguf", null));
        assertEquals("source: 'hf:acme/tiny/../x.gguf': '..' is not a valid file path segment",
                refused("hf:acme/tiny/../x.gguf", null));
        assertEquals("source: 'hf:acme/tiny/x.gguf@': revision '' is not a branch, tag or commit name",
                refused("hf:acme/tiny/x.gguf@", null));
        assertEquals("source: 'ollama:Llama 3': 'Llama 3' is not an Ollama model tag", refused("ollama:Llama 3", null));
        assertEquals("source: holds a control character", refused("/m/a\n.gguf", null));
        assertEquals("source: longer than 2048 characters", refused("/" + "a".repeat(2048), null));
    }

    @Test
    void aChecksumIsSixtyFourHexDigitsAndNotForOllama() {
        assertEquals("sha256: 'abc' is not 64 hex digits", refused("/m/a.gguf", "abc"));
        assertEquals("sha256: an Ollama tag is checked by Ollama itself; give no sha256", refused("ollama:qwen2.5", SUM));
    }

    @Test
    void hfPartsAreOnlyForHfSources() {
        assertEquals("/m/a.gguf is not a HUGGING_FACE source",
                assertThrows(IllegalStateException.class, () -> ModelSource.parse("/m/a.gguf", null).file()).getMessage());
    }
}
