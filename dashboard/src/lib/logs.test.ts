import { afterEach, describe, expect, it, vi } from "vitest";
import { followLogs, LogBuffer, type LogStatus } from "./logs";
import type { EventSourceLike } from "./live";

const line = (seq: number, text: string, stream = "stdout") => ({ seq: String(seq), text, stream, atUnixMs: "0", runId: "r" });

describe("log buffer", () => {
  it("keeps lines in order without duplicates", () => {
    const b = new LogBuffer();
    expect(b.add([line(2, "b"), line(1, "a")])).toBe(2);
    expect(b.add([line(2, "b"), line(3, "c")])).toBe(1);
    expect(b.lines.map((l) => l.text)).toEqual(["a", "b", "c"]);
    expect(b.lastSeq).toBe(3);
  });

  it("searches case-insensitively and downloads as text", () => {
    const b = new LogBuffer();
    b.add([line(1, "Line 1"), line(2, "oops", "stderr"), line(3, "line 3")]);
    expect(b.search("LINE").map((l) => l.seq)).toEqual(["1", "3"]);
    expect(b.text()).toBe("Line 1\n[stderr] oops\nline 3\n");
  });
});

class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  listeners = new Map<string, (ev: { data: string }) => void>();
  constructor(
    readonly url: string,
    readonly lastEventId = "",
  ) {}
  addEventListener(type: string, l: (ev: { data: string }) => void) {
    this.listeners.set(type, l);
  }
  close() {}
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("following a log", () => {
  it("streams lines over SSE until the end event", () => {
    const sources: FakeSource[] = [];
    const got: string[] = [];
    const statuses: LogStatus[] = [];
    const f = followLogs({
      jobId: "j 1",
      open: (url, lastEventId) => {
        const s = new FakeSource(url, lastEventId);
        sources.push(s);
        return s;
      },
      onLines: (ls) => got.push(...ls.map((l) => l.text ?? "")),
      onStatus: (s) => statuses.push(s),
    });
    expect(sources[0].url).toBe("/api/jobs/j%201/logs?follow=true&tail=1000");
    expect(sources[0].lastEventId).toBe("");
    sources[0].onopen?.({});
    sources[0].listeners.get("line")?.({ data: JSON.stringify(line(1, "line 1")) });
    sources[0].listeners.get("line")?.({ data: JSON.stringify(line(1, "line 1")) });
    sources[0].listeners.get("line")?.({ data: JSON.stringify(line(2, "line 2")) });
    sources[0].listeners.get("end")?.({ data: '{"lastSeq":2}' });
    expect(got).toEqual(["line 1", "line 2"]);
    expect(statuses).toEqual(["loading", "streaming", "ended"]);
    f.stop();
  });

  it("resumes after the last line seen when the stream drops", async () => {
    vi.useFakeTimers();
    const sources: FakeSource[] = [];
    const got: string[] = [];
    const f = followLogs({
      jobId: "j",
      open: (url, lastEventId) => {
        const s = new FakeSource(url, lastEventId);
        sources.push(s);
        return s;
      },
      onLines: (ls) => got.push(...ls.map((l) => l.text ?? "")),
      onStatus: () => {},
    });
    sources[0].onopen?.({});
    sources[0].listeners.get("line")?.({ data: JSON.stringify(line(7, "seven")) });
    sources[0].onerror?.({});
    await vi.advanceTimersByTimeAsync(1000);
    expect(sources[1].url).toBe("/api/jobs/j/logs?follow=true&tail=1000");
    expect(sources[1].lastEventId).toBe("7");
    sources[1].listeners.get("line")?.({ data: JSON.stringify(line(7, "seven")) });
    sources[1].listeners.get("line")?.({ data: JSON.stringify(line(8, "eight")) });
    expect(got).toEqual(["seven", "eight"]);
    f.stop();
  });

  it("falls back to polling the JSON form, and says when there are no logs at all", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response(JSON.stringify({ title: "Not Found", status: 404, detail: "no job" }), { status: 404 })),
    );
    let status: LogStatus = "loading";
    let detail = "";
    const sources: FakeSource[] = [];
    followLogs({
      jobId: "j",
      open: (url, lastEventId) => {
        const s = new FakeSource(url, lastEventId);
        sources.push(s);
        return s;
      },
      onLines: () => {},
      onStatus: (s, d) => {
        status = s;
        detail = d ?? "";
      },
    });
    sources[0].onerror?.({});
    await vi.waitFor(() => expect(status).toBe("unavailable"));
    expect(detail).toContain("does not serve job logs");
  });

  it("polls until the JSON form says the log ended", async () => {
    vi.useFakeTimers();
    let calls = 0;
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        calls++;
        const body = calls === 1 ? { lines: [line(1, "a")], ended: false } : { lines: [line(1, "a"), line(2, "b")], ended: true };
        return new Response(JSON.stringify(body), { status: 200 });
      }),
    );
    const got: string[] = [];
    let status: LogStatus = "loading";
    const sources: FakeSource[] = [];
    followLogs({
      jobId: "j",
      open: (url, lastEventId) => {
        const s = new FakeSource(url, lastEventId);
        sources.push(s);
        return s;
      },
      onLines: (ls) => got.push(...ls.map((l) => l.text ?? "")),
      onStatus: (s) => (status = s),
      pollMs: 1000,
    });
    sources[0].onerror?.({});
    await vi.advanceTimersByTimeAsync(0);
    expect(status).toBe("polling");
    await vi.advanceTimersByTimeAsync(1000);
    expect(status).toBe("ended");
    expect(got).toEqual(["a", "b"]);
  });
});
