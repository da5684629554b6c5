package io.orchion.api.node;

import java.util.Collection;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Durable home of node records. {@link #save} and {@link #delete} are on disk when they return.
 * The status in a stored node is what it was when saved; the registry derives the live one.
 */
@ProviderType
public interface NodeStore {

    void save(Node node);

    void delete(String nodeId);

    Collection<Node> loadAll();
}
