package io.orchion.shell.internal;

import java.io.PrintStream;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.orchion.api.log.JobLogs;
import io.orchion.api.log.LogChunk;
import io.orchion.api.log.LogLine;

/** {@code orchion:logs [-f] [-n N] [-t] ID}: a job's output, kept or followed live. */
@Component(service = LogCommands.class, property = { "osgi.command.scope=orchion", "osgi.command.function=logs" })
public class LogCommands {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    private final JobLogs logs;

    @Activate
    public LogCommands(@Reference JobLogs logs) {
        this.logs = logs;
    }

    @Descriptor("print a job's output; with -f keep following it until the job ends (Ctrl-C stops)")
    public void logs(CommandSession session,
            @Descriptor("follow: print new lines as they come") @Parameter(names = { "-f", "--follow" },
                    presentValue = "true", absentValue = "false") boolean follow,
            @Descriptor("only the last N lines first") @Parameter(names = { "-n", "--tail" },
                    absentValue = "0") int tail,
            @Descriptor("prefix each line with its time and stream") @Parameter(names = { "-t", "--timestamps" },
                    presentValue = "true", absentValue = "false") boolean timestamps,
            @Descriptor("the job id") String jobId) throws InterruptedException {
        if (tail < 0) {
            throw new IllegalArgumentException("-n: must be 0 or more, not " + tail);
        }
        PrintStream out = session.get(ShellServer.LIVE_OUT) instanceof PrintStream live ? live : session.getConsole();
        long after;
        if (tail > 0) {
            LogChunk t = logs.tail(jobId, tail);
            after = t.lines().isEmpty() ? t.lastSeq() : t.lines().get(0).seq() - 1;
        } else {
            after = 0;
        }
        while (true) {
            LogChunk c = logs.read(jobId, after, 1000);
            if (c.firstSeq() > after + 1 && after > 0) {
                out.println("[orchion] lines " + (after + 1) + " to " + (c.firstSeq() - 1) + " fell to the log retention");
            }
            for (LogLine l : c.lines()) {
                out.println(timestamps ? TIME.format(l.at()) + " " + l.stream() + " " + l.text()
                        : l.text());
                after = l.seq();
            }
            out.flush();
            if (out.checkError()) {
                return; // the client went away
            }
            if (!c.lines().isEmpty()) {
                continue;
            }
            if (!follow || c.ended()) {
                return;
            }
            try {
                // wake now and then to notice a client that has gone
                if (!logs.more(jobId, after).get(2, TimeUnit.SECONDS)) {
                    follow = false;
                }
            } catch (TimeoutException e) {
                out.flush();
                if (out.checkError()) {
                    return;
                }
            } catch (ExecutionException e) {
                return;
            }
        }
    }
}
