package io.orchion.api.runtime;

import org.osgi.annotation.versioning.ConsumerType;

/** Where a run's output goes, line by line, in order per stream. Must not block for long. */
@ConsumerType
public interface LogSink {
    /** @param stream stdout or stderr */
    void line(String stream, String text);
}
