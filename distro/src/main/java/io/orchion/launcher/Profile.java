package io.orchion.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A run descriptor: {@code profiles/NAME.profile} lists the bundle symbolic names to start, may
 * include other profiles, and names the parts ({@code ready grpc}) to wait for.
 */
record Profile(String name, List<String> bundles, Set<String> ready) {

    static Profile load(Path dir, String name) throws IOException {
        LinkedHashSet<String> bundles = new LinkedHashSet<>();
        LinkedHashSet<String> ready = new LinkedHashSet<>();
        read(dir, name, bundles, ready, new LinkedHashSet<>());
        return new Profile(name, new ArrayList<>(bundles), ready);
    }

    private static void read(Path dir, String name, Set<String> bundles, Set<String> ready, Set<String> seen)
            throws IOException {
        if (!seen.add(name)) {
            return;
        }
        Path file = dir.resolve(name + ".profile");
        if (!Files.isRegularFile(file)) {
            throw new IOException("no profile '" + name + "' (" + file + " is missing)");
        }
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("include ")) {
                read(dir, line.substring(8).strip(), bundles, ready, seen);
            } else if (line.startsWith("ready ")) {
                ready.add(line.substring(6).strip());
            } else {
                bundles.add(line);
            }
        }
    }
}
