/** The agent side: what a running agent reports about itself. */
@Export
@Version("1.0.0")
package io.orchion.api.agent;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
