import { describe, expect, it } from "vitest";
import { ago, bytes, duration, freshness, num, percent, stateTone } from "./format";

describe("format", () => {
  it("reads int64 JSON strings as numbers and treats missing as 0", () => {
    expect(num("17179869184")).toBe(17179869184);
    expect(num(undefined)).toBe(0);
    expect(num("x")).toBe(0);
  });

  it("shows bytes in binary units", () => {
    expect(bytes("0")).toBe("0 B");
    expect(bytes(512)).toBe("512 B");
    expect(bytes(1536)).toBe("1.5 KiB");
    expect(bytes("33554432000")).toBe("31 GiB");
  });

  it("shows fractions as percentages, clamped", () => {
    expect(percent(0.423)).toBe("42%");
    expect(percent(0.001)).toBe("<1%");
    expect(percent(3)).toBe("100%");
    expect(percent(undefined)).toBe("0%");
  });

  it("shows durations at a readable precision", () => {
    expect(duration(120)).toBe("120ms");
    expect(duration(5200)).toBe("5.2s");
    expect(duration(184_000)).toBe("3m 4s");
    expect(duration(3_720_000)).toBe("1h 2m");
    expect(duration(-1)).toBe("–");
  });

  it("says how long ago", () => {
    expect(ago(10_000, 10_500)).toBe("just now");
    expect(ago(10_000, 22_000)).toBe("12s ago");
    expect(ago(0)).toBe("never");
  });

  it("grades heartbeat freshness by the interval", () => {
    const now = 100_000;
    expect(freshness(now - 3_000, now)).toBe("fresh");
    expect(freshness(now - 20_000, now)).toBe("late");
    expect(freshness(now - 60_000, now)).toBe("stale");
    expect(freshness(0, now)).toBe("stale");
  });

  it("gives states a tone", () => {
    expect(stateTone("SUCCEEDED")).toBe("ok");
    expect(stateTone("FAILED")).toBe("bad");
    expect(stateTone("PENDING")).toBe("warn");
    expect(stateTone(undefined)).toBe("muted");
  });
});
