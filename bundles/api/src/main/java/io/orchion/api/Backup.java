package io.orchion.api;

import java.nio.file.Path;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Writes a consistent snapshot of the instance's state while it runs: the store (nodes, jobs and
 * their histories) and the job logs, laid out as a data folder, so that
 * {@code bin/orchion up --data SNAPSHOT} starts from it.
 */
@ProviderType
public interface Backup {

    /**
     * @param target a folder that does not exist yet, or is empty
     * @return what was written, for the operator
     * @throws InvalidArgumentException naming {@code path} when the target is not usable
     */
    String backupTo(Path target);
}
