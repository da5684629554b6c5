package io.orchion.control.internal;

import java.util.function.Supplier;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.orchion.api.NotFoundException;
import io.orchion.api.job.JobService;
import io.orchion.api.job.JobSpecParser;
import io.orchion.api.job.JobPage;
import io.orchion.api.job.JobQuery;
import io.orchion.api.log.JobLogs;
import io.grpc.stub.ServerCallStreamObserver;
import io.orchion.proto.v1.StreamLogsRequest;
import io.orchion.api.security.Principal;
import io.orchion.api.security.Role;
import io.orchion.proto.convert.JobMapping;
import io.orchion.proto.v1.CancelJobRequest;
import io.orchion.proto.v1.GetJobRequest;
import io.orchion.proto.v1.Job;
import io.orchion.proto.v1.JobsGrpc;
import io.orchion.proto.v1.ListJobsRequest;
import io.orchion.proto.v1.ListJobsResponse;
import io.orchion.proto.v1.SubmitJobRequest;

/** The gRPC client API for jobs; UNAVAILABLE while the scheduler or the spec parser is missing. */
final class JobsService extends JobsGrpc.JobsImplBase {
    private final Supplier<JobService> jobs;
    private final Supplier<JobSpecParser> parser;
    private final Supplier<JobLogs> logs;

    JobsService(Supplier<JobService> jobs, Supplier<JobSpecParser> parser, Supplier<JobLogs> logs) {
        this.jobs = jobs;
        this.parser = parser;
        this.logs = logs;
    }

    @Override
    public void streamLogs(StreamLogsRequest request, StreamObserver<io.orchion.proto.v1.LogLines> out) {
        try {
            JobLogs l = need(logs, "the log store");
            need(jobs, "the scheduler").job(request.getJobId())
                    .orElseThrow(() -> new NotFoundException("job", request.getJobId()));
            new LogPump(l, request, (ServerCallStreamObserver<io.orchion.proto.v1.LogLines>) out).start();
        } catch (RuntimeException e) {
            out.onError(e instanceof io.grpc.StatusRuntimeException ? e : Calls.toStatus(e));
        }
    }

    /** Env values are for operators and admins; a viewer sees them redacted (docs/security.md). */
    private static boolean seesEnv() {
        Principal p = AuthInterceptor.PRINCIPAL.get();
        return p != null && p.role().allows(Role.OPERATOR);
    }

    private static <T> T need(Supplier<T> s, String what) {
        T t = s.get();
        if (t == null) {
            throw Status.UNAVAILABLE.withDescription(what + " is not running").asRuntimeException();
        }
        return t;
    }

    @Override
    public void submitJob(SubmitJobRequest request, StreamObserver<Job> out) {
        Calls.unary(out, () -> JobMapping.toProto(need(jobs, "the scheduler")
                .submit(need(parser, "the job spec parser").parse(request.getSpec())), true)); // the submitter's own spec
    }

    /** The filters and paging of REST's list; no limit (0) lists every matching job, as before paging. */
    @Override
    public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> out) {
        Calls.unary(out, () -> {
            JobQuery query = JobQuery.of(request.getState(), request.getNode(), request.getLabelList(),
                    request.getLimit(), request.getPageToken());
            JobPage page = need(jobs, "the scheduler").jobs(query);
            var b = ListJobsResponse.newBuilder().setNextPageToken(page.nextPageToken()).setTotal(page.total());
            boolean revealEnv = seesEnv();
            page.jobs().forEach(j -> b.addJobs(JobMapping.toProto(j, revealEnv)));
            return b.build();
        });
    }

    @Override
    public void getJob(GetJobRequest request, StreamObserver<Job> out) {
        Calls.unary(out, () -> JobMapping.toProto(need(jobs, "the scheduler").job(request.getJobId())
                .orElseThrow(() -> new NotFoundException("job", request.getJobId())), seesEnv()));
    }

    @Override
    public void cancelJob(CancelJobRequest request, StreamObserver<Job> out) {
        // an operator's call (the method needs operator): values included
        Calls.unary(out, () -> JobMapping.toProto(need(jobs, "the scheduler").cancel(request.getJobId()), true));
    }
}
