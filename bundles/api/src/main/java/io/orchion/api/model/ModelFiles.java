package io.orchion.api.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's model files (a service of the agent side): makes a {@link ModelSource} a local file,
 * downloading it into the node's model cache when it is not there yet, and says what the cache
 * holds. A download that breaks off resumes where it stopped on the next fetch; a file whose
 * SHA-256 is not the one given is removed and refused.
 */
@ProviderType
public interface ModelFiles {

    /** Where a download stands; called at most a few times a second, and once at its end. */
    @FunctionalInterface
    interface Progress {
        /**
         * @param done  bytes on disk so far (a resumed download counts what it already had)
         * @param total the whole file's size, or -1 when the server does not say
         */
        void update(long done, long total);

        Progress NONE = (done, total) -> {
        };
    }

    /**
     * The local file for {@code source}, downloading it first when needed; blocks until it is
     * there. Two callers fetching one source share one download. Interrupting the calling thread
     * stops the download (what it had is kept for a resume) and throws {@link InterruptedException}.
     *
     * @throws ModelFetchException when the file cannot be had: the path is missing or unreadable,
     *                             the server answers an error or stops sending, the checksum differs,
     *                             the disk is too full; the message says which, fit to show a user
     * @throws IllegalArgumentException for an {@link ModelSource.Kind#OLLAMA} source, which only the
     *                             Ollama runtime can pull
     */
    Path fetch(ModelSource source, Progress progress) throws ModelFetchException, InterruptedException;

    /** The complete files in the cache. */
    List<CachedModel> cached() throws IOException;

    /** A model file that could not be had; the message says why. */
    class ModelFetchException extends IOException {
        private static final long serialVersionUID = 1L;

        public ModelFetchException(String message) {
            super(message);
        }

        public ModelFetchException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
