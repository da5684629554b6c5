package io.orchion.api.job;

import org.osgi.annotation.versioning.ProviderType;

import io.orchion.api.InvalidArgumentException;

/** Reads job specs in JSON or YAML (one schema) for every front end: shell, REST, gRPC. */
@ProviderType
public interface JobSpecParser {
    /** Where the schema sits in the API bundle (and in the repository). */
    String SCHEMA_RESOURCE = "/io/orchion/api/job/job-spec.schema.json";

    /**
     * The largest spec accepted, in bytes of UTF-8, as sent and as JSON once parsed: 64 KiB. A job
     * is kept while it is known, sent to its node at every assignment and shown in every listing, so
     * what one job may carry is bounded well below the REST body limit (1 MiB) and the gRPC message
     * limit (4 MiB); a prompt of 64 KiB is some 16,000 tokens, more input for a model than belongs
     * in a spec.
     */
    int MAX_SPEC_BYTES = 64 << 10;

    /**
     * @param text a spec as JSON or YAML
     * @return the spec, with quantities and durations converted
     * @throws InvalidArgumentException naming the first offending field; the message lists every
     *                                  problem found; a spec over {@link #MAX_SPEC_BYTES}, or over
     *                                  one of the schema's limits (counts and lengths of args, env,
     *                                  labels, ...), is refused naming the limit
     */
    JobSpec parse(String text);
}
