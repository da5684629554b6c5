/**
 * The process's own health: whether this orchestrator can still do its work (heap after garbage
 * collection, a recent {@link OutOfMemoryError}), as the health answers of REST, gRPC and the shell
 * report it.
 */
@Export
@Version("1.0.0")
package io.orchion.api.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
