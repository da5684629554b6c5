/** Process groups: start a program as a group leader and signal the whole group. */
@Export
@Version("1.0.0")
package io.orchion.runtime.process;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
