package io.orchion.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Which shell commands the audit log records, as what, and on what. */
class ShellAuditTest {
    static String of(String command) {
        ShellAudit.Entry e = ShellAudit.entry(command);
        return e == null ? null : e.action() + " " + e.target();
    }

    @Test
    void mutatingCommandsNameTheirActionAndTarget() {
        assertEquals("token.create v1", of("orchion:token create --role viewer --name v1"));
        assertEquals("token.revoke v1", of("orchion:token revoke v1"));
        assertEquals("jointoken.create ", of("orchion:jointoken create --uses 2"));
        assertEquals("node.allow box", of("orchion:node allow box privileged host-mounts"));
        assertEquals("node.revoke n1", of("orchion:node revoke n1"));
        assertEquals("node.drain box", of("orchion:drain box"));
        assertEquals("node.undrain box", of("orchion:drain -u box"), "an undrain is recorded as REST records it");
        assertEquals("job.submit hello.yaml", of("orchion:submit hello.yaml"));
        assertEquals("node.unregister n1", of("orchion:unregister n1"));
        assertEquals("jointoken.revoke 48d46ea25b", of("orchion:jointoken revoke 48d46ea25b"));
        assertEquals("shell.backup /tmp/b", of("orchion:backup /tmp/b"));
        assertEquals("scheduler.use bin-packing", of("orchion:scheduler use bin-packing"));
        assertEquals("loglevel.set io.orchion", of("orchion:loglevel io.orchion DEBUG"));
        assertEquals("job.cancel hello-0000abcd", of("orchion:cancel hello-0000abcd"));
        assertEquals("shell.stop 42", of("stop 42"));
        assertEquals("model.fetch hf:acme/tiny/w.gguf", of("orchion:models fetch hf:acme/tiny/w.gguf"));
    }

    @Test
    void aFailedCommandIsRecordedWithWhatWentWrong() {
        assertEquals("invalid", ShellAudit.outcome(new io.orchion.api.InvalidArgumentException("--ttl", "'2W' is not a duration")));
        assertEquals("invalid", ShellAudit.outcome(new IllegalArgumentException("Cannot coerce")));
        assertEquals("not-found", ShellAudit.outcome(new RuntimeException(new io.orchion.api.NotFoundException("node", "x"))));
        assertEquals("denied", ShellAudit.outcome(new SecurityException("node n1 was revoked")));
        assertEquals("error", ShellAudit.outcome(new IllegalStateException("the store is closed")));
    }

    @Test
    void readingCommandsAreNotRecorded() {
        assertNull(of("orchion:nodes"));
        assertNull(of("orchion:node box"));
        assertNull(of("orchion:token list"));
        assertNull(of("orchion:scheduler"));
        assertNull(of("orchion:scheduler preview bin-packing"));
        assertNull(of("orchion:loglevel"));
        assertNull(of("orchion:audit -n 5"));
        assertNull(of("orchion:jointoken list"));
        assertNull(of("orchion:certs n1"));
        assertNull(of("orchion:jobs --state RUNNING"));
        assertNull(of("orchion:models"));
    }
}
