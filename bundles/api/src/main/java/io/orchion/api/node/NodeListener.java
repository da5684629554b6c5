package io.orchion.api.node;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service told of node changes: joins, status changes, drains, allowances, removals. Called on
 * the registry's threads; implementations return quickly.
 */
@ConsumerType
public interface NodeListener {

    enum Change {
        JOINED, STATUS, DRAINED, FORGOTTEN, UNREGISTERED,
        /** An admin changed what the node allows ({@link Node#allowed()}). */
        ALLOWED
    }

    void nodeChanged(Change change, Node node);
}
