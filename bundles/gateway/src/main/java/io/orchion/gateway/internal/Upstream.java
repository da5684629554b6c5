package io.orchion.gateway.internal;

import java.net.URI;

/**
 * A replica serving a model through an OpenAI-compatible API.
 *
 * @param model    the model's name as clients ask for it
 * @param base     the server's address, {@code http://host:port} (requests go to {@code base/v1/...})
 * @param replica  what runs it (a job's id), for logs and errors
 * @param nodeId   the node it runs on
 */
record Upstream(String model, URI base, String replica, String nodeId) {
}
