package io.orchion.api.node;

import java.time.Duration;

/**
 * How the registry judges liveness.
 *
 * @param heartbeatInterval how often agents are asked to heartbeat
 * @param downAfter         silence after which a node is DOWN
 * @param forgetAfter       silence after which a DOWN node is removed
 */
public record LivenessSettings(Duration heartbeatInterval, Duration downAfter, Duration forgetAfter) {
}
