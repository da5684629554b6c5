package io.orchion.api.job;

import java.util.List;

/**
 * A condition on a node label ({@code arch} and {@code os} are labels too). Exactly one of
 * {@code in}, {@code notIn} and {@code exists} is set.
 *
 * @param label  the label key
 * @param in     the node's value must be one of these (null when unused)
 * @param notIn  the node's value must be none of these (null when unused)
 * @param exists whether the label must be present (true) or absent (false); null when unused
 */
public record Constraint(String label, List<String> in, List<String> notIn, Boolean exists) {
}
