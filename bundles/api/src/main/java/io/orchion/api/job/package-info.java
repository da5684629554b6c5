/**
 * Jobs: the spec a user submits ({@link io.orchion.api.job.JobSpec}, described by
 * {@code job-spec.schema.json} in this package), its states, and the parser every front end uses.
 */
@Export
@Version("2.2.0")
package io.orchion.api.job;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
