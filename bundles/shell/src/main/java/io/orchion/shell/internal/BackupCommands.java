package io.orchion.shell.internal;

import java.nio.file.Path;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.orchion.api.Backup;

/** {@code orchion:backup PATH}: a consistent snapshot of the orchestrator's state while it runs. */
@Component(service = BackupCommands.class, property = { "osgi.command.scope=orchion", "osgi.command.function=backup" })
public class BackupCommands {
    private final Backup backup;

    @Activate
    public BackupCommands(@Reference Backup backup) {
        this.backup = backup;
    }

    @Descriptor("write a consistent snapshot (store and job logs) into a new folder; start from it with --data")
    public String backup(CommandSession session, @Descriptor("a folder that does not exist yet, or is empty") String path) {
        Path p = Path.of(path);
        if (!p.isAbsolute() && session.get("_cwd") != null) {
            p = Path.of(session.get("_cwd").toString()).resolve(p);
        }
        return backup.backupTo(p);
    }
}
