package io.orchion.api.job;

/** A job's lifecycle. SUCCEEDED, FAILED and CANCELLED are final; LOST means its node died. */
public enum JobState {
    PENDING, SCHEDULED, RUNNING, SUCCEEDED, FAILED, CANCELLED, LOST;

    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
