package io.orchion.api.job;

import org.osgi.annotation.versioning.ProviderType;

import io.orchion.api.InvalidArgumentException;

/** Reads job specs in JSON or YAML (one schema) for every front end: shell, REST, gRPC. */
@ProviderType
public interface JobSpecParser {
    /** Where the schema sits in the API bundle (and in the repository). */
    String SCHEMA_RESOURCE = "/io/orchion/api/job/job-spec.schema.json";

    /**
     * @param text a spec as JSON or YAML
     * @return the spec, with quantities and durations converted
     * @throws InvalidArgumentException naming the first offending field; the message lists every
     *                                  problem found
     */
    JobSpec parse(String text);
}
