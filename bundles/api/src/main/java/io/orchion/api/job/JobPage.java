package io.orchion.api.job;

import java.util.List;

/**
 * A page of a {@link JobQuery}'s answer.
 *
 * @param jobs          the jobs of this page, newest first; ended jobs as summaries (see
 *                      {@link JobService#jobs()})
 * @param nextPageToken pass as {@link JobQuery#pageToken} for the next page; empty on the last page.
 *                      It names the last job of this page, so jobs submitted meanwhile shift nothing
 * @param total         the jobs matching the filters, over all pages
 */
public record JobPage(List<Job> jobs, String nextPageToken, int total) {

    public JobPage {
        jobs = List.copyOf(jobs);
        nextPageToken = nextPageToken == null ? "" : nextPageToken;
    }
}
