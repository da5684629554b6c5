/**
 * Jobs: the spec a user submits ({@link io.orchion.api.job.JobSpec}, described by
 * {@code job-spec.schema.json} in this package), its states, and the parser every front end uses.
 * <p>
 * 3.0: {@link io.orchion.api.job.RunReport#phase} is a {@link io.orchion.api.job.RunPhase}, no longer
 * a string; {@link io.orchion.api.job.JobService#jobs(io.orchion.api.job.JobQuery)} answers filtered
 * pages ({@link io.orchion.api.job.JobQuery}, {@link io.orchion.api.job.JobPage}).
 */
@Export
@Version("3.0.0")
package io.orchion.api.job;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
