package io.orchion.runtime.support;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

import io.orchion.api.runtime.RunRequest;

/**
 * What a restarted agent needs to find a model server again (its pid and start time, port and
 * endpoint), kept as a properties file in the run's state folder. Written whole or not at all
 * (a temporary file moved into place), so a crash while writing leaves the previous file.
 */
public final class ServerState {
    private ServerState() {
    }

    /** The run's state folder, created if needed (a temporary one for a run without, as in tests). */
    public static Path dir(RunRequest request, String tempPrefix) {
        try {
            Path dir = request.stateDir() != null ? request.stateDir() : Files.createTempDirectory(tempPrefix);
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the run's state folder: " + e.getMessage(), e);
        }
    }

    /** Writes {@code state} to {@code dir/name}, replacing what was there in one step. */
    public static void write(Path dir, String name, Properties state, String comment) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            state.store(w, comment);
        }
        try {
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The state in {@code dir/name}; empty when there is no such file (or no folder). */
    public static Optional<Properties> read(Path dir, String name) throws IOException {
        Path file = dir == null ? null : dir.resolve(name);
        if (file == null || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties state = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            state.load(r);
        }
        return Optional.of(state);
    }
}
