package io.orchion.api.scheduler;

import java.time.Instant;
import java.util.List;

/**
 * Which strategy places jobs, and why.
 *
 * @param active     the strategy in use; empty when none is installed
 * @param configured the strategy the configuration asks for
 * @param available  the installed strategies, by name
 * @param reason     why active differs from configured (e.g. its bundle was removed); empty if not
 * @param since      when the active strategy last changed
 */
public record StrategyStatus(String active, String configured, List<String> available, String reason,
        Instant since) {
}
