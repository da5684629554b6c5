import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Live, type EventSourceLike, type LinkState } from "./live";

/** A fake EventSource the test opens, fails and feeds by hand. */
class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  listeners = new Map<string, (ev: { data: string }) => void>();
  addEventListener(type: string, l: (ev: { data: string }) => void) {
    this.listeners.set(type, l);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  fail() {
    this.onerror?.({});
  }
  emit(type: string, data: unknown) {
    this.listeners.get(type)?.({ data: JSON.stringify(data) });
  }
}

let sources: FakeSource[];
let up: boolean;
let states: LinkState[];
let events: [string, unknown][];
let reloads: number;

function link() {
  const live = new Live({
    open: () => {
      const s = new FakeSource();
      sources.push(s);
      return s;
    },
    probe: async () => (up ? "up" : "down"),
    onEvent: (t, d) => events.push([t, d]),
    onReload: () => {
      reloads++;
    },
    onState: (s) => states.push(s),
    pollMs: 1000,
    sseRetryMs: 10_000,
    minBackoffMs: 500,
    maxBackoffMs: 2000,
  });
  live.start();
  return live;
}

beforeEach(() => {
  vi.useFakeTimers();
  sources = [];
  up = true;
  states = [];
  events = [];
  reloads = 0;
});
afterEach(() => vi.useRealTimers());

describe("live link", () => {
  it("goes live on open, reloads the state, and passes events on", async () => {
    const live = link();
    sources[0].open();
    sources[0].emit("job", { job: { id: "j1" } });
    expect(live.state).toBe("live");
    expect(reloads).toBe(1);
    expect(events).toEqual([["job", { job: { id: "j1" } }]]);
    live.stop();
  });

  it("reloads everything on a reset event", async () => {
    const live = link();
    sources[0].open();
    sources[0].emit("reset", {});
    expect(reloads).toBe(2);
    live.stop();
  });

  it("shows offline when the orchestrator stops, and recovers when it returns", async () => {
    const live = link();
    sources[0].open();
    up = false;
    sources[0].fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(live.state).toBe("offline");
    expect(sources[0].closed).toBe(true);

    // still down: retries with a growing delay, stays offline
    await vi.advanceTimersByTimeAsync(500);
    expect(sources.length).toBe(2);
    sources[1].fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(live.state).toBe("offline");

    // back: the next attempt opens and the page reloads its state
    up = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(sources.length).toBe(3);
    sources[2].open();
    expect(live.state).toBe("live");
    expect(reloads).toBe(2);
    expect(states).toEqual(["live", "offline", "live"]);
    live.stop();
  });

  it("reconnects at once when the stream drops but the orchestrator answers", async () => {
    const live = link();
    sources[0].open();
    sources[0].fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(sources.length).toBe(2);
    expect(live.state).toBe("live");
    live.stop();
  });

  it("polls when there is no event stream (404), and tries the stream again later", async () => {
    const live = link();
    sources[0].fail(); // never opened: the endpoint is missing
    await vi.advanceTimersByTimeAsync(0);
    expect(live.state).toBe("polling");
    const before = reloads;
    await vi.advanceTimersByTimeAsync(3000);
    expect(reloads).toBeGreaterThanOrEqual(before + 3);

    // a poll that finds the orchestrator gone shows offline
    up = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(live.state).toBe("offline");
    up = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(live.state).toBe("polling");

    // later the stream exists: live, and polling stops
    await vi.advanceTimersByTimeAsync(10_000);
    const s = sources[sources.length - 1];
    s.open();
    expect(live.state).toBe("live");
    const r = reloads;
    await vi.advanceTimersByTimeAsync(5000);
    expect(reloads).toBe(r);
    live.stop();
  });

  it("drops a malformed event instead of failing", async () => {
    const live = link();
    sources[0].open();
    sources[0].listeners.get("node")?.({ data: "{not json" });
    expect(events).toEqual([]);
    live.stop();
  });
});
