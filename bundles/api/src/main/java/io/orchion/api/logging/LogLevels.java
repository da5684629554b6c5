package io.orchion.api.logging;

import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

import io.orchion.api.InvalidArgumentException;

/**
 * Levels of the platform's own loggers, changed at run time (not kept over a restart). Levels are
 * ERROR, WARN, INFO, DEBUG and TRACE; logger names are prefixes such as {@code io.orchion.scheduler}.
 */
@ProviderType
public interface LogLevels {
    /** The name standing for the root logger. */
    String ROOT = "ROOT";

    /** Loggers with a level set (the root always), name to level, sorted by name. */
    Map<String, String> levels();

    /**
     * Sets {@code logger}'s level ({@link #ROOT} or empty for the root); {@code null} or
     * {@code INHERIT} clears it so it follows its parent.
     *
     * @return the level now in force for that logger
     * @throws InvalidArgumentException naming the level when it is not one of the five
     */
    String set(String logger, String level);
}
