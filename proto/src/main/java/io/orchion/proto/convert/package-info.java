/** Conversions between the {@code orchion.v1} wire messages and the platform's API records. */
@Export
@Version("1.2.0")
package io.orchion.proto.convert;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
