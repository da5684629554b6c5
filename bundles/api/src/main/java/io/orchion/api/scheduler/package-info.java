/**
 * Scheduling: the read-only view of nodes a strategy sees ({@link io.orchion.api.scheduler.NodeSlot}),
 * what a job asks for ({@link io.orchion.api.scheduler.ResourceRequest}), and the
 * {@link io.orchion.api.scheduler.SchedulingStrategy} extension point that plugins implement.
 */
@Export
@Version("1.1.0")
package io.orchion.api.scheduler;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
