package io.orchion.api.model;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A model file complete in a node's model cache.
 *
 * @param source  where it came from, as the operator wrote it
 * @param file    the file on the node
 * @param bytes   its size
 * @param sha256  its SHA-256, lower-case hex (computed while it was downloaded)
 * @param fetched when its download completed
 */
public record CachedModel(String source, Path file, long bytes, String sha256, Instant fetched) {
}
