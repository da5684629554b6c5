import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FetchEventSource, SseParser, type SseEvent } from "./sse";
import { onUnauthorized, tokens, type StorageLike } from "./auth";
import { Live } from "./live";

function parse(...chunks: string[]) {
  const events: SseEvent[] = [];
  const p = new SseParser((e) => events.push(e));
  for (const c of chunks) p.feed(c);
  return { events, parser: p };
}

describe("event stream parser", () => {
  it("reads named events with ids, data over several lines, and skips comments", () => {
    const { events } = parse(": keep-alive\n", "id: 3\nevent: job\ndata: {\"a\":\ndata: 1}\n\n", "data:plain\n\n");
    expect(events).toEqual([
      { type: "job", data: '{"a":\n1}', lastEventId: "3" },
      { type: "message", data: "plain", lastEventId: "3" },
    ]);
  });

  it("puts lines together across chunks, with LF, CRLF and CR line ends (a CRLF split between chunks too)", () => {
    const { events } = parse("\ufeffev", "ent: line\r", "\ndata: one\r\rdata", ": two\n", "\n");
    expect(events).toEqual([
      { type: "line", data: "one", lastEventId: "" },
      { type: "message", data: "two", lastEventId: "" },
    ]);
  });

  it("sets the id from a frame without data, dispatches nothing for it, and drops an unfinished event", () => {
    const { events, parser } = parse("id: 1700000000000\n\n", "retry: 2500\nid\n", "event: node\ndata: {}\n");
    expect(events).toEqual([]);
    expect(parser.lastEventId).toBe("");
    expect(parser.retry).toBe(2500);
    const { parser: p2 } = parse("id: 42\n\n");
    expect(p2.lastEventId).toBe("42");
  });

  it("dispatches an empty data line as an empty event, and keeps one leading space only", () => {
    const { events } = parse("data:\n\n", "data:  two spaces\n\n");
    expect(events.map((e) => e.data)).toEqual(["", " two spaces"]);
  });
});

/** A response body the test writes into, as a server streaming events. */
function stream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const enc = new TextEncoder();
  return {
    response: () => new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream; charset=utf-8" } }),
    send: (text: string) => controller.enqueue(enc.encode(text)),
    end: () => controller.close(),
  };
}

class MemoryStorage implements StorageLike {
  map = new Map<string, string>();
  getItem = (k: string) => this.map.get(k) ?? null;
  setItem = (k: string, v: string) => void this.map.set(k, v);
  removeItem = (k: string) => void this.map.delete(k);
}

const TOKEN = "oat1.ab12cd34.s3cret";
const headersOf = (f: ReturnType<typeof vi.fn>, i: number) => (f.mock.calls[i][1] as RequestInit).headers as Record<string, string>;

describe("event source over fetch", () => {
  beforeEach(() => {
    vi.stubGlobal("sessionStorage", new MemoryStorage());
    vi.stubGlobal("localStorage", new MemoryStorage());
    tokens.set(TOKEN, false);
  });
  afterEach(() => {
    tokens.clear();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it("sends the token as a header, never in the URL, opens, and passes named events on", async () => {
    const s = stream();
    const f = vi.fn(async (_url: string, _init?: RequestInit) => s.response());
    vi.stubGlobal("fetch", f);
    const src = new FetchEventSource("/api/events");
    const got: string[] = [];
    let opened = false;
    src.onopen = () => (opened = true);
    src.addEventListener("job", (ev) => got.push(`${ev.lastEventId}:${ev.data}`));

    s.send("id: 10\n\nid: 11\nevent: job\ndata: {\"job\":{}}\n\nevent: node\ndata: {}\n\n");
    await vi.waitFor(() => expect(got).toEqual(['11:{"job":{}}']));
    expect(opened).toBe(true);
    expect(f.mock.calls[0][0]).toBe("/api/events");
    expect(headersOf(f, 0).Authorization).toBe(`Bearer ${TOKEN}`);
    expect(headersOf(f, 0).Accept).toBe("text/event-stream");
    expect(headersOf(f, 0)["Last-Event-ID"]).toBeUndefined();
    src.close();
  });

  it("fails once when the stream ends, and not at all after close", async () => {
    const s = stream();
    vi.stubGlobal("fetch", vi.fn(async () => s.response()));
    const src = new FetchEventSource("/api/events");
    let errors = 0;
    src.onerror = () => errors++;
    s.send("id: 5\n\n");
    s.end();
    await vi.waitFor(() => expect(errors).toBe(1));
    expect(src.readyState).toBe(2);
    expect(src.lastEventId).toBe("5");

    const s2 = stream();
    vi.stubGlobal("fetch", vi.fn(async () => s2.response()));
    const quiet = new FetchEventSource("/api/events");
    quiet.onerror = () => errors++;
    quiet.close();
    await new Promise((r) => setTimeout(r, 10));
    expect(errors).toBe(1);
  });

  it("reports the status of a stream that never opened, and a 401 sends the user to sign in", async () => {
    let redirects = 0;
    const off = onUnauthorized(() => redirects++);
    vi.stubGlobal("fetch", vi.fn(async () => new Response('{"title":"Unauthorized","status":401}', { status: 401 })));
    const src = new FetchEventSource("/api/events");
    let failed = false;
    src.onerror = () => (failed = true);
    await vi.waitFor(() => expect(failed).toBe(true));
    expect(src.status).toBe(401);
    expect(redirects).toBe(1);
    expect(tokens.get()).toBeNull();
    off();

    tokens.set(TOKEN, false);
    vi.stubGlobal("fetch", vi.fn(async () => new Response('{"jobs":[]}', { status: 200, headers: { "Content-Type": "application/json" } })));
    const notStream = new FetchEventSource("/api/events");
    let failedToo = false;
    notStream.onerror = () => (failedToo = true);
    await vi.waitFor(() => expect(failedToo).toBe(true));
  });

  it("resumes with Last-Event-ID when the live link reconnects after a drop", async () => {
    // given the live link on the real fetch-based source, and an orchestrator that answers
    const streams = [stream(), stream()];
    const f = vi.fn(async (url: string, _init?: RequestInit) => {
      if (url === "/api/events") return streams[f.mock.calls.filter((c) => c[0] === "/api/events").length - 1].response();
      return new Response('{"status":"UP"}', { status: 200 });
    });
    vi.stubGlobal("fetch", f);
    const events: unknown[] = [];
    const live = new Live({ probe: async () => "up", onEvent: (_t, d) => events.push(d), onReload: () => {} });
    live.start();

    // when the stream carries its first id and an event, then drops
    streams[0].send("id: 100\n\n");
    streams[0].send('id: 101\nevent: job\ndata: {"job":{"id":"j1"}}\n\n');
    await vi.waitFor(() => expect(events).toEqual([{ job: { id: "j1" } }]));
    streams[0].end();

    // then it reconnects at once, asking for what came after 101
    await vi.waitFor(() => expect(f.mock.calls.filter((c) => c[0] === "/api/events").length).toBe(2));
    const second = f.mock.calls.map((c, i) => [c[0], i] as const).filter(([u]) => u === "/api/events")[1][1];
    expect(headersOf(f, second)["Last-Event-ID"]).toBe("101");
    expect(headersOf(f, second).Authorization).toBe(`Bearer ${TOKEN}`);
    live.stop();
  });
});
