/** The platform's own log: levels changed at run time (the shell's orchion:loglevel). */
@Export
@Version("1.0.0")
package io.orchion.api.logging;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
