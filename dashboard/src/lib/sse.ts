// Server-sent events over fetch, so that the stream carries the Authorization header (the
// browser's EventSource cannot send headers, and the token must not go into the URL).
//
// Why not @microsoft/fetch-event-source: its last release (2.0.1) is from 2021, it runs its own
// retry loop and visibility handling, which would fight the live link's (probe, backoff, polling,
// the outage banner), and it touches `document` and `window`, which the node-based tests lack.
// The parser below follows the WHATWG "event stream interpretation" and is about sixty lines.
import { ApiError, call } from "./api";

export interface SseEvent {
  type: string;
  data: string;
  lastEventId: string;
}

/** An incremental text/event-stream parser: feed it decoded text in any chunks. */
export class SseParser {
  /** The last `id:` seen (kept across events, and set even by an event without data). */
  lastEventId = "";
  /** The last `retry:` in milliseconds, if any. */
  retry: number | undefined;
  private buffer = "";
  private data: string[] = [];
  private type = "";
  private started = false;
  private skipLf = false;

  constructor(private readonly emit: (event: SseEvent) => void) {}

  feed(chunk: string): void {
    if (!chunk) return;
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    if (this.skipLf && chunk.startsWith("\n")) chunk = chunk.slice(1);
    this.skipLf = false;
    const text = this.buffer + chunk;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(text.slice(start, i));
      if (c === 13) {
        // CRLF is one line end; a CR at the end of the chunk may have its LF in the next one
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else {
          this.skipLf = true;
        }
      }
      start = i + 1;
    }
    this.buffer = text.slice(start);
  }

  private line(line: string) {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) return; // a comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.type = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.lastEventId = value;
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) this.retry = Number(value);
        break;
      default:
      // unknown fields are ignored
    }
  }

  private dispatch() {
    const data = this.data;
    const type = this.type || "message";
    this.data = [];
    this.type = "";
    if (data.length === 0) return;
    this.emit({ type, data: data.join("\n"), lastEventId: this.lastEventId });
  }
}

type Listener = (ev: { data: string; lastEventId?: string }) => void;

export interface FetchSourceOptions {
  /** Sent as the Last-Event-ID header: the server resumes after it. */
  lastEventId?: string;
}

/**
 * The EventSource surface the live link and the log view use, over fetch. It does not reconnect
 * by itself: on any failure it calls onerror once and stays closed, and its owner decides
 * (reconnect with `lastEventId`, poll, or show the outage). `status` says what the server
 * answered when the stream never opened (0: no answer); a 401 has already sent the user to sign in.
 */
export class FetchEventSource {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  status = 0;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly abort = new AbortController();
  private readonly parser: SseParser;

  constructor(
    readonly url: string,
    options: FetchSourceOptions = {},
  ) {
    this.parser = new SseParser((ev) => {
      for (const l of this.listeners.get(ev.type) ?? []) l({ data: ev.data, lastEventId: ev.lastEventId });
    });
    if (options.lastEventId) this.parser.lastEventId = options.lastEventId;
    void this.run(options.lastEventId);
  }

  get lastEventId(): string {
    return this.parser.lastEventId;
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  close(): void {
    this.readyState = 2;
    this.abort.abort();
  }

  private async run(lastEventId: string | undefined) {
    let resp: Response;
    try {
      resp = await call(this.url, {
        accept: "text/event-stream",
        headers: lastEventId ? { "Last-Event-ID": lastEventId } : {},
        signal: this.abort.signal,
      });
    } catch (e) {
      this.status = e instanceof ApiError ? Math.max(e.status, 0) : 0;
      this.fail();
      return;
    }
    const type = resp.headers.get("Content-Type") ?? "";
    if (!resp.body || !type.toLowerCase().startsWith("text/event-stream")) {
      // not a stream (an orchestrator without it answering JSON): as EventSource, fail
      this.status = resp.status;
      void resp.body?.cancel().catch(() => {});
      this.fail();
      return;
    }
    if (this.readyState === 2) return;
    this.status = resp.status;
    this.readyState = 1;
    this.onopen?.({});
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.parser.feed(decoder.decode(value, { stream: true }));
        if (this.readyState === 2) return;
      }
    } catch {
      // dropped, or closed by us
    }
    this.fail();
  }

  private fail() {
    if (this.readyState === 2) return;
    this.readyState = 2;
    this.abort.abort();
    this.onerror?.({});
  }
}
