/** Test support for scheduling strategies: fixtures and a side-effect-free harness. */
@Export
@Version("1.0.0")
package io.orchion.scheduler.testing;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
