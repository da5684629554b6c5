/**
 * Counters other bundles feed to the metrics endpoint ({@code GET /metrics}), so no bundle but the
 * metrics bundle depends on a metrics library.
 */
@Export
@Version("1.1.0")
package io.orchion.api.metrics;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
