package io.orchion.api.node;

/** A node's state as the registry sees it; derived from heartbeats and the drain flag. */
public enum NodeStatus {
    /** Heartbeating and accepting work. */
    READY,
    /** Heartbeating, but an operator asked for no new work. */
    DRAINING,
    /** Missed its heartbeats past the configured timeout. */
    DOWN
}
