// The live link to the orchestrator: server-sent events from /api/events (read over fetch, so that
// they carry the bearer token), with reconnect that resumes after the last event id, and polling
// where the orchestrator has no event stream. It decides what the page shows about the
// connection (the "unreachable" banner) and never gives up: when the orchestrator comes back the
// page recovers by itself.

/** live: events stream in; polling: no event stream, state reloaded on a timer; offline: no answer. */
import { FetchEventSource } from "./sse";

export type LinkState = "connecting" | "live" | "polling" | "offline";

/** The part of EventSource the link uses (FetchEventSource; a test passes a fake). */
export interface EventSourceLike {
  readonly readyState: number;
  /** The last event id the stream carried (the server's resume point). */
  readonly lastEventId?: string;
  onopen: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  addEventListener(type: string, listener: (ev: { data: string; lastEventId?: string }) => void): void;
  close(): void;
}

export type Probe = () => Promise<"up" | "down">;

export interface LiveOptions {
  url?: string;
  /** Opens the event stream, resuming after lastEventId ("" for none); defaults to FetchEventSource. */
  open?: (url: string, lastEventId: string) => EventSourceLike;
  /** Is the orchestrator answering at all (GET /api/health)? */
  probe: Probe;
  /** A named event with its parsed JSON data. */
  onEvent: (type: string, data: unknown) => void;
  /** The page must reload its whole state (after a (re)connect, a reset event, or a poll). */
  onReload: () => Promise<void> | void;
  onState?: (state: LinkState) => void;
  pollMs?: number;
  /** How often to try the event stream again while polling. */
  sseRetryMs?: number;
  /** Reconnect backoff bounds while the orchestrator is unreachable. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export const EVENT_TYPES = ["node", "job", "scheduler", "reset"] as const;

export class Live {
  state: LinkState = "connecting";
  private source: EventSourceLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private backoff: number;
  private stopped = false;
  /** Sent as Last-Event-ID on the next connect, so the server replays what was missed (or says reset). */
  private lastEventId = "";
  private readonly o: Required<Omit<LiveOptions, "onState">> & Pick<LiveOptions, "onState">;

  constructor(options: LiveOptions) {
    this.o = {
      url: "/api/events",
      open: (url, lastEventId) => new FetchEventSource(url, { lastEventId }),
      pollMs: 3000,
      sseRetryMs: 30000,
      minBackoffMs: 1000,
      maxBackoffMs: 5000,
      ...options,
    };
    this.backoff = this.o.minBackoffMs;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.closeSource();
    this.clearTimers();
  }

  private set(state: LinkState) {
    if (this.state !== state) {
      this.state = state;
      this.o.onState?.(state);
    }
  }

  private connect() {
    if (this.stopped) return;
    this.closeSource();
    let opened = false;
    let source: EventSourceLike;
    try {
      source = this.o.open(this.o.url, this.lastEventId);
    } catch {
      void this.failed(false);
      return;
    }
    this.source = source;
    source.onopen = () => {
      opened = true;
      this.backoff = this.o.minBackoffMs;
      this.stopPolling();
      this.set("live");
      void this.reload();
    };
    source.onerror = () => {
      if (this.source !== source) return;
      this.closeSource();
      void this.failed(opened);
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (ev) => {
        if (this.source !== source) return;
        if (ev.lastEventId) this.lastEventId = ev.lastEventId;
        if (type === "reset") {
          void this.reload();
          return;
        }
        let data: unknown;
        try {
          data = JSON.parse(ev.data);
        } catch {
          return; // a malformed event is dropped; the next reload corrects the state
        }
        this.o.onEvent(type, data);
      });
    }
  }

  /** The stream failed: tell a dropped stream, a missing endpoint and a dead orchestrator apart. */
  private async failed(wasOpen: boolean) {
    if (this.stopped) return;
    const health = await this.safeProbe();
    if (this.stopped) return;
    if (health === "down") {
      this.set("offline");
      this.stopPolling();
      this.later(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, this.o.maxBackoffMs);
      return;
    }
    this.backoff = this.o.minBackoffMs;
    if (wasOpen) {
      // the stream dropped but the orchestrator answers: reconnect at once
      this.connect();
      return;
    }
    // the orchestrator answers but has no event stream: poll, and try the stream again later
    this.startPolling();
    this.later(() => this.connect(), this.o.sseRetryMs);
  }

  private async safeProbe(): Promise<"up" | "down"> {
    try {
      return await this.o.probe();
    } catch {
      return "down";
    }
  }

  private startPolling() {
    this.set("polling");
    void this.reload();
    if (this.pollTimer) return;
    this.pollTimer = setInterval(async () => {
      const health = await this.safeProbe();
      if (this.stopped || !this.pollTimer) return;
      if (health === "down") {
        this.set("offline");
      } else {
        this.set("polling");
        await this.reload();
      }
    }, this.o.pollMs);
  }

  private stopPolling() {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  private async reload() {
    try {
      await this.o.onReload();
    } catch {
      // the views show their own errors; the link state follows the probe
    }
  }

  private later(fn: () => void, ms: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      fn();
    }, ms);
  }

  private closeSource() {
    const s = this.source;
    this.source = null;
    if (s) {
      // an id-only frame (the stream's first) sets the resume point without an event
      if (s.lastEventId) this.lastEventId = s.lastEventId;
      s.onopen = null;
      s.onerror = null;
      s.close();
    }
  }

  private clearTimers() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopPolling();
  }
}
