package io.orchion.api.node;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service told of node changes: joins, status changes, drains, removals. Called on
 * the registry's threads; implementations return quickly.
 */
@ConsumerType
public interface NodeListener {

    enum Change {
        JOINED, STATUS, DRAINED, FORGOTTEN, UNREGISTERED
    }

    void nodeChanged(Change change, Node node);
}
