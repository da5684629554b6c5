/**
 * Job logs: every run's output shipped by its agent with sequence numbers, stored per job with a
 * retention bound, and read or followed by the front ends.
 */
@Export
@Version("1.0.0")
package io.orchion.api.log;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
