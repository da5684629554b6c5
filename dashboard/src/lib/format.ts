// Formatting helpers shared by the views. Inputs come in the protobuf JSON mapping, where int64
// values are decimal strings and every field may be missing.

/** An int64 JSON string (or a number, or nothing) as a number; 0 when missing or malformed. */
export function num(v: string | number | undefined | null): number {
  if (v === undefined || v === null || v === "") return 0;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** 1536 -> "1.5 KiB"; binary units, one decimal below 10, none above. */
export function bytes(v: string | number | undefined | null): string {
  let n = num(v);
  if (n <= 0) return "0 B";
  let u = 0;
  while (n >= 1024 && u < UNITS.length - 1) {
    n /= 1024;
    u++;
  }
  const digits = u === 0 || n >= 10 ? 0 : 1;
  return `${n.toFixed(digits)} ${UNITS[u]}`;
}

/** A fraction 0..1 as "42%"; clamps, and shows "<1%" for tiny non-zero values. */
export function percent(fraction: number | undefined | null): string {
  const f = Math.max(0, Math.min(1, Number(fraction) || 0));
  if (f > 0 && f < 0.01) return "<1%";
  return `${Math.round(f * 100)}%`;
}

/** A duration in milliseconds as "1h 2m", "3m 4s", "5.2s" or "120ms". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** How long ago an instant (ms since the epoch) was, relative to now: "just now", "12s ago". */
export function ago(atMs: number, now: number = Date.now()): string {
  if (!atMs) return "never";
  const d = now - atMs;
  if (d < 1500) return "just now";
  return `${duration(d)} ago`;
}

/** Local date and time of an instant in ms, e.g. "2026-11-29 03:20:37". */
export function timestamp(atMs: number): string {
  if (!atMs) return "–";
  const d = new Date(atMs);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export type Freshness = "fresh" | "late" | "stale";

/**
 * How fresh a node's last heartbeat is, given the heartbeat interval: fresh within two intervals,
 * late within six, stale after that.
 */
export function freshness(lastSeenMs: number, now: number = Date.now(), intervalMs = 5000): Freshness {
  if (!lastSeenMs) return "stale";
  const d = now - lastSeenMs;
  if (d <= 2 * intervalMs) return "fresh";
  if (d <= 6 * intervalMs) return "late";
  return "stale";
}

/** A job state's tone for badges. */
export function stateTone(state: string | undefined): "ok" | "warn" | "bad" | "info" | "muted" {
  switch (state) {
    case "SUCCEEDED":
    case "READY":
      return "ok";
    case "PENDING":
    case "DRAINING":
    case "SCHEDULED":
      return "warn";
    case "FAILED":
    case "LOST":
    case "DOWN":
      return "bad";
    case "RUNNING":
      return "info";
    default:
      return "muted";
  }
}

export const JOB_STATES = ["PENDING", "SCHEDULED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "LOST"] as const;
export const ACTIVE_STATES = new Set(["PENDING", "SCHEDULED", "RUNNING"]);
