package io.orchion.api.job;

import org.osgi.annotation.versioning.ProviderType;

/** Where the control bundle hands agents' run reports (the scheduler provides it). */
@ProviderType
public interface RunReports {
    void report(String nodeId, RunReport report);
}
