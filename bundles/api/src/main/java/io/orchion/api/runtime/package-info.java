/**
 * Execution runtimes, in the shape of a task driver: a fingerprint (is the engine usable here),
 * start, wait (through the handle's exit), stop with a grace period, and recover after an agent
 * restart. Runtime plugins implement {@link io.orchion.api.runtime.ExecutionRuntime}.
 */
@Export
@Version("2.2.0")
package io.orchion.api.runtime;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
