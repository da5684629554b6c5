/**
 * Orchion's shared vocabulary: constants and errors every bundle speaks. Node types live in
 * {@link io.orchion.api.node}.
 */
@Export
@Version("1.5.0")
package io.orchion.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
