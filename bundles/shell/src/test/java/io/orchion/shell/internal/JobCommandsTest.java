package io.orchion.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobPage;
import io.orchion.api.job.JobQuery;
import io.orchion.api.job.JobService;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.scheduler.ResourceRequest;

/** {@code orchion:jobs} asks the job service the same query as REST and gRPC, and shows where the next page starts. */
class JobCommandsTest {
    final List<JobQuery> asked = new ArrayList<>();
    final Job job = new Job("train-0000abcd", new JobSpec("train", "process", Map.of(), new ResourceRequest(0.1, 0, 0, 0),
            List.of(), 0, RestartPolicy.NONE, null, Map.of()), JobState.RUNNING, "0f3c-node", List.of(), "train-0000abcd-r1",
            1, null, "running on gpu box", Instant.now(), List.of());
    final JobService service = new JobService() {
        @Override
        public Job submit(JobSpec spec) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Job> jobs() {
            throw new UnsupportedOperationException("the list is asked for as a query");
        }

        @Override
        public JobPage jobs(JobQuery query) {
            asked.add(query);
            return query.limit() == 1 ? new JobPage(List.of(job), "dHJhaW4", 3)
                    : new JobPage(query.state() == JobState.FAILED ? List.of() : List.of(job), "", 1);
        }

        @Override
        public Optional<Job> job(String id) {
            return Optional.empty();
        }

        @Override
        public Job cancel(String id) {
            throw new UnsupportedOperationException();
        }
    };
    final JobCommands commands = new JobCommands(null, service,
            new NodeCommandsTest.Registry().with("0f3c-node", "gpu box"));

    static String show(Object view) {
        return new ShellFormats(null).format(view, org.apache.felix.service.command.Converter.INSPECT, null).toString();
    }

    @Test
    void theFiltersAndPageGoToTheJobServiceAndTheNextPageIsNamed() {
        // when an operator lists running jobs on gpu box labelled team=red, one at a time
        String shown = show(commands.jobs("running", "gpu box", "team=red", 1, ""));

        // then the job service was asked exactly that, and the table says how to go on
        assertEquals(List.of(new JobQuery(JobState.RUNNING, "gpu box", Map.of("team", "red"), 1, "")), asked);
        assertTrue(shown.contains("train-0000abcd  RUNNING  gpu box"), shown);
        assertTrue(shown.endsWith("1 of 3 matching jobs shown; the next page: --page-token dHJhaW4"), shown);

        // and with no options it is every job, as before paging
        show(commands.jobs("", "", "", 0, ""));
        assertEquals(JobQuery.ALL, asked.get(1));
        assertEquals("No jobs match.", show(commands.jobs("failed", "", "", 0, "")));
    }

    @Test
    void badOptionsAreRefusedByName() {
        assertEquals("state", assertThrows(InvalidArgumentException.class,
                () -> commands.jobs("sleepy", "", "", 0, "")).field());
        assertEquals("limit", assertThrows(InvalidArgumentException.class,
                () -> commands.jobs("", "", "", 5000, "")).field());
        assertEquals("label", assertThrows(InvalidArgumentException.class,
                () -> commands.jobs("", "", "team", 0, "")).field());
        assertTrue(asked.isEmpty(), "nothing was asked");
    }
}
