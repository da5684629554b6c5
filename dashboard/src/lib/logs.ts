// A job's log in the browser: lines in order by seq, without duplicates, followed live over
// server-sent events (GET /api/jobs/{id}/logs?follow=true, read over fetch with the bearer token),
// with polling of the JSON form as the fallback where there is no stream.
import { api, ApiError, LogEnd, type LogLine } from "./api";
import { LogLine as LogLineSchema } from "./gen/orchion_zod";
import type { EventSourceLike } from "./live";
import { FetchEventSource } from "./sse";
import { num } from "./format";

export const MAX_LINES = 20000;

/** Ordered, de-duplicated log lines (by seq), capped at MAX_LINES (oldest dropped). */
export class LogBuffer {
  lines: LogLine[] = [];
  private last = 0;

  /** Adds lines; returns how many were new. */
  add(incoming: LogLine[]): number {
    let added = 0;
    const sorted = [...incoming].sort((a, b) => num(a.seq) - num(b.seq));
    for (const l of sorted) {
      const seq = num(l.seq);
      if (seq <= this.last) continue;
      this.lines.push(l);
      this.last = seq;
      added++;
    }
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    return added;
  }

  get lastSeq(): number {
    return this.last;
  }

  /** Lines whose text contains the query (case-insensitive). */
  search(query: string): LogLine[] {
    if (!query) return this.lines;
    const q = query.toLowerCase();
    return this.lines.filter((l) => (l.text ?? "").toLowerCase().includes(q));
  }

  /** The whole log as a text file: one line per entry, "[stream] text" for stderr and orchion. */
  text(): string {
    return this.lines.map((l) => (l.stream && l.stream !== "stdout" ? `[${l.stream}] ${l.text ?? ""}` : (l.text ?? ""))).join("\n") + "\n";
  }
}

export type LogStatus = "loading" | "streaming" | "polling" | "ended" | "unavailable" | "error";

export interface FollowOptions {
  jobId: string;
  tail?: number;
  onLines: (lines: LogLine[]) => void;
  onStatus: (status: LogStatus, detail?: string) => void;
  /** Opens the stream, resuming after lastEventId ("" for none); defaults to FetchEventSource. */
  open?: (url: string, lastEventId: string) => EventSourceLike;
  pollMs?: number;
}

/** Follows a job's log until it ends or stop() is called. */
export function followLogs(o: FollowOptions): { stop: () => void } {
  const open = o.open ?? ((url: string, lastEventId: string) => new FetchEventSource(url, { lastEventId }));
  let stopped = false;
  let source: EventSourceLike | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastSeq = 0;
  const tail = o.tail ?? 1000;

  const deliver = (lines: LogLine[]) => {
    const fresh = lines.filter((l) => num(l.seq) > lastSeq);
    if (fresh.length) {
      lastSeq = Math.max(...fresh.map((l) => num(l.seq)));
      o.onLines(fresh);
    }
  };

  const stream = () => {
    if (stopped) return;
    o.onStatus("loading");
    // after a drop, resume after the last line seen (Last-Event-ID: the server then ignores tail)
    const url = `/api/jobs/${encodeURIComponent(o.jobId)}/logs?follow=true&tail=${tail}`;
    const s = open(url, lastSeq > 0 ? String(lastSeq) : "");
    source = s;
    let opened = false;
    s.onopen = () => {
      opened = true;
      o.onStatus("streaming");
    };
    s.addEventListener("line", (ev) => {
      const parsed = LogLineSchema.safeParse(safeJson(ev.data));
      if (parsed.success) deliver([parsed.data]);
    });
    s.addEventListener("end", (ev) => {
      LogEnd.safeParse(safeJson(ev.data));
      close();
      o.onStatus("ended");
    });
    s.onerror = () => {
      if (source !== s) return;
      close();
      if (opened) {
        // dropped mid-stream: resume after the last line seen; a line seen twice is skipped
        timer = setTimeout(stream, 1000);
      } else {
        void poll(true);
      }
    };
  };

  const poll = async (first: boolean) => {
    if (stopped) return;
    try {
      const r = await api.logs(o.jobId, tail);
      deliver(r.lines ?? []);
      if (r.ended) {
        o.onStatus("ended");
        return;
      }
      o.onStatus("polling");
    } catch (e) {
      const err = e as ApiError;
      if (first && err.missing) {
        o.onStatus("unavailable", "This orchestrator does not serve job logs yet.");
        return;
      }
      o.onStatus("error", err.message);
    }
    timer = setTimeout(() => poll(false), o.pollMs ?? 2000);
  };

  const close = () => {
    if (source) {
      source.onopen = null;
      source.onerror = null;
      source.close();
    }
    source = null;
  };

  stream();
  return {
    stop: () => {
      stopped = true;
      close();
      if (timer) clearTimeout(timer);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
