package io.orchion.proto.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.scheduler.ResourceRequest;

class JobMappingTest {
    private static Job job() {
        var spec = new JobSpec("train", "process",
                Map.of("command", List.of("sh", "-c", "env"), "env", Map.of("API_KEY", "hunter2", "MODE", "fast")),
                new ResourceRequest(0.5, 256L << 20, 0, 0), List.of(), 100, RestartPolicy.NONE, null, Map.of());
        return new Job("train-00000001", spec, JobState.PENDING, "", List.of(), "", 0, null, "queued", Instant.now(),
                List.of());
    }

    @Test
    void aViewerSeesTheEnvKeysButNotTheirValues() {
        // given a job whose spec carries a secret in its env
        Job job = job();
        // when it is shown without env values (a viewer, the events stream)
        String json = JobMapping.toProto(job, false).getSpec().toString();
        // then the keys are there and no value is
        assertTrue(json.contains("API_KEY") && json.contains("MODE"), json);
        assertFalse(json.contains("hunter2"), json);
        assertFalse(json.contains("fast"), json);
        assertTrue(json.contains(JobMapping.REDACTED), json);
        // and the rest of the spec is as submitted
        assertTrue(json.contains("\"sh\""), json);
    }

    @Test
    void anOperatorSeesTheEnvAsSubmitted() throws Exception {
        var env = JobMapping.toProto(job(), true).getSpec().getFieldsOrThrow("process").getStructValue()
                .getFieldsOrThrow("env").getStructValue();
        assertEquals("hunter2", env.getFieldsOrThrow("API_KEY").getStringValue());
    }

    @Test
    void anEnvThatIsNotAMapIsHiddenWhole() {
        var settings = JobMapping.withoutEnvValues(Map.of("env", List.of("API_KEY=hunter2")));
        assertEquals(JobMapping.REDACTED, settings.get("env"));
        assertEquals(Map.of("image", "x"), JobMapping.withoutEnvValues(Map.of("image", "x")));
    }
}
