/**
 * Security: API tokens with roles, join tokens, the orchestrator's certificate authority for node
 * certificates (mutual TLS), and the audit log of mutating actions.
 */
@Export
@Version("1.3.0")
package io.orchion.api.security;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
