/**
 * Model files on nodes: where a model comes from ({@link io.orchion.api.model.ModelSource}) and the
 * agent-side service that makes it a local file ({@link io.orchion.api.model.ModelFiles}),
 * downloading it into the node's model cache when it is not there yet.
 */
@Export
@Version("1.0.0")
package io.orchion.api.model;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
