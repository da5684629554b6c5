package io.orchion.api.log;

import java.util.List;

/**
 * Lines read from a job's log.
 *
 * @param lines    in order; empty when nothing newer exists yet
 * @param firstSeq the oldest line still kept (older ones fell to the retention bound); 0 when none
 * @param lastSeq  the newest line stored so far; 0 when none
 * @param ended    the job has finished and every line of it is stored: nothing more will come
 */
public record LogChunk(List<LogLine> lines, long firstSeq, long lastSeq, boolean ended) {
    public LogChunk {
        lines = List.copyOf(lines);
    }
}
