/**
 * Nodes: what an agent offers ({@link io.orchion.api.node.Capabilities}), what it reports
 * ({@link io.orchion.api.node.Telemetry}), and the registry that tracks their liveness.
 */
@Export
@Version("2.1.0")
package io.orchion.api.node;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
