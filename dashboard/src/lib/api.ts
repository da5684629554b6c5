// The one typed client of the orchestrator's REST API (same origin, protobuf JSON mapping).
// Every response body is validated by a zod schema generated from orchion.proto; a body that does
// not match is an error naming the field, never silently wrong data on the page.
import { z } from "zod";
import * as pb from "./gen/orchion_zod";
import type * as t from "./gen/orchion/v1/orchion_pb";
import { tokens, unauthorized } from "./auth";

export type Node = t.NodeJson;
export type Job = t.JobJson;
export type JobEvent = t.JobEventJson;
export type Telemetry = t.TelemetryJson;
export type TelemetryWindow = t.TelemetryWindowJson;
export type SchedulerStatus = t.SchedulerStatusJson;
export type SchedulerPreview = t.SchedulerPreviewJson;
export type Health = t.HealthJson;
export type LogLine = t.LogLineJson;
export type NodeStatus = t.NodeStatusJson;

// Envelopes. The operator API adds them to orchion.proto (LogPage, Plugins, NodeChange, JobChange,
// LogEnd, Problem, and paging fields on ListJobsResponse); where the proto this was built from has
// a message, its generated schema is used, otherwise the stand-in beside it, composed from
// generated messages with the same JSON shape.
const generated = pb as unknown as Record<string, z.ZodType | undefined>;
function fromProto<T extends z.ZodType>(message: string, standIn: T): T {
  return (generated[message] as T | undefined) ?? standIn;
}
const int64 = z.string().regex(/^-?[0-9]+$/);

export const JobsPage = pb.ListJobsResponse.extend({
  nextPageToken: z.string().optional(),
  total: z.union([z.number().int(), int64]).optional(),
});
export type JobsPage = z.infer<typeof JobsPage>;

// Lists come as {nodes: [...]} / {jobs: [...]}; the first REST version sent bare arrays.
const NodesList = z.union([pb.ListNodesResponse, z.array(pb.Node).transform((nodes) => ({ nodes }))]);
const JobsList = z.union([JobsPage, z.array(pb.Job).transform((jobs): JobsPage => ({ jobs }))]);

export const LogsResponse = fromProto(
  "LogPage",
  z.object({
    lines: z.array(pb.LogLine).optional(),
    firstSeq: int64.optional(),
    lastSeq: int64.optional(),
    ended: z.boolean().optional(),
  }),
);
export type LogsResponse = z.infer<typeof LogsResponse>;

const BundleInfo = z.object({
  id: int64.optional(),
  symbolicName: z.string().optional(),
  version: z.string().optional(),
  state: z.string().optional(),
  plugin: z.string().optional(),
});
export const Plugins = fromProto(
  "Plugins",
  z.object({
    strategies: z.array(z.string()).optional(),
    runtimes: z.array(z.string()).optional(),
    bundles: z.array(BundleInfo).optional(),
  }),
);
export type Plugins = z.infer<typeof Plugins>;

export const Problem = fromProto(
  "Problem",
  z.object({ type: z.string().optional(), title: z.string().optional(), status: z.number().optional(), detail: z.string().optional() }),
);

// Server-sent event payloads of /api/events and of a followed log.
export const NodeChange = fromProto("NodeChange", z.object({ change: z.string().optional(), node: pb.Node.optional() }));
export const JobChange = fromProto("JobChange", z.object({ job: pb.Job.optional() }));
export const SchedulerChange = pb.SchedulerStatus;
export const LogEnd = fromProto("LogEnd", z.object({ lastSeq: int64.optional() }));

// GET /api/auth/whoami and GET /api/audit: not in orchion.proto.
export const Identity = z.object({ name: z.string(), role: z.string(), tokenId: z.string().optional() });
export type Identity = z.infer<typeof Identity>;
export const AuditEvent = z.object({
  at: z.string().optional(),
  actor: z.string().optional(),
  action: z.string().optional(),
  target: z.string().optional(),
  outcome: z.string().optional(),
  detail: z.string().optional(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
const AuditPage = z.object({ events: z.array(AuditEvent).optional() });

/** A failed call: an HTTP error with its problem details, or status 0 when nothing answered. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    /** 429: the seconds the orchestrator asks to wait (Retry-After). */
    readonly retryAfterS?: number,
  ) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = "ApiError";
  }
  /** True when the orchestrator did not answer at all (down, or the network is gone). */
  get unreachable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 504;
  }
  /** True for 404 and 405 on a route: an endpoint this orchestrator does not have (yet). */
  get missing(): boolean {
    return this.status === 404 || this.status === 405 || this.status === 501;
  }
}

/** Parses a body with a schema, or throws an ApiError naming the first field that is wrong. */
export function validate<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue.path.length ? issue.path.join(".") : "body";
  throw new ApiError(-1, "Unexpected response", `${what}: ${where}: ${issue.message}`);
}

export type Init = {
  method?: string;
  body?: string;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** A token to try instead of the stored one (sign-in): its 401 is an answer, not a sign-out. */
  token?: string;
};

/**
 * Every call to the orchestrator goes through here: it adds the stored bearer token, turns a
 * failure into an ApiError, and on a 401 for the stored token sends the user to sign in. A 403
 * (a role too weak) is only an error: the view shows the orchestrator's detail.
 */
export async function call(path: string, init: Init = {}): Promise<Response> {
  const token = init.token ?? tokens.get();
  let resp: Response;
  try {
    resp = await fetch(path, {
      method: init.method ?? "GET",
      body: init.body,
      headers: {
        Accept: init.accept ?? "application/json",
        ...(init.contentType ? { "Content-Type": init.contentType } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...init.headers,
      },
      signal: init.signal,
    });
  } catch (e) {
    if ((e as Error)?.name === "AbortError") throw e;
    throw new ApiError(0, "Orchestrator unreachable", `no answer from ${path}`);
  }
  if (resp.status === 401 && init.token === undefined) unauthorized();
  if (!resp.ok) throw await problem(resp, path);
  return resp;
}

async function problem(resp: Response, path: string): Promise<ApiError> {
  let title = resp.statusText || `HTTP ${resp.status}`;
  let detail = "";
  const retry = resp.status === 429 ? Number(resp.headers.get("Retry-After") ?? NaN) : NaN;
  const retryAfterS = Number.isFinite(retry) && retry >= 0 ? retry : undefined;
  let fromOrchestrator = false;
  try {
    const text = await resp.text();
    const parsed = Problem.safeParse(JSON.parse(text));
    if (parsed.success) {
      title = parsed.data.title ?? title;
      detail = parsed.data.detail ?? "";
      fromOrchestrator = true;
    }
  } catch {
    // not problem+json: keep the status line
  }
  if (!fromOrchestrator && resp.status >= 500) {
    // a proxy in between (the Vite dev server, a reverse proxy) answering for a dead orchestrator
    return new ApiError(0, "Orchestrator unreachable", `${resp.status} from ${path} without problem details`);
  }
  if (resp.status === 429 && !fromOrchestrator) title = "Too many requests";
  if (retryAfterS !== undefined) detail = `${detail ? `${detail}; ` : ""}try again in ${retryAfterS} s`;
  return new ApiError(resp.status, title, detail || `${resp.status} from ${path}`, retryAfterS);
}

async function json<S extends z.ZodType>(path: string, schema: S, init?: Init): Promise<z.infer<S>> {
  const resp = await call(path, init);
  let body: unknown;
  try {
    body = await resp.json();
  } catch {
    throw new ApiError(-1, "Unexpected response", `${path}: not JSON`);
  }
  return validate(schema, body, path);
}

const q = (params: Record<string, string | number | undefined>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : "";
};

const id = (v: string) => encodeURIComponent(v);

export const api = {
  /** Who the stored token is, or the given one (sign-in checks a token before keeping it). */
  whoami: (token?: string) => json("/api/auth/whoami", Identity, { token }),
  audit: (filter: { limit?: number; actor?: string; action?: string } = {}) =>
    json(`/api/audit${q(filter)}`, AuditPage),
  health: () => json("/api/health", pb.Health),
  nodes: async () => (await json("/api/nodes", NodesList)).nodes ?? [],
  node: (nodeId: string) => json(`/api/nodes/${id(nodeId)}`, pb.Node),
  /** POST /api/nodes/{id}/drain, or /undrain to accept work again: answers the node. */
  drain: (nodeId: string, undo = false) =>
    json(`/api/nodes/${id(nodeId)}/${undo ? "undrain" : "drain"}`, pb.Node, { method: "POST" }),
  telemetry: (nodeId: string) => json(`/api/nodes/${id(nodeId)}/telemetry`, pb.TelemetryWindow),
  jobs: (filter: { state?: string; node?: string; label?: string; limit?: number; pageToken?: string } = {}) =>
    json(`/api/jobs${q(filter)}`, JobsList),
  job: (jobId: string) => json(`/api/jobs/${id(jobId)}`, pb.Job),
  submit: (spec: string, yaml: boolean) =>
    json("/api/jobs", pb.Job, { method: "POST", body: spec, contentType: yaml ? "application/yaml" : "application/json" }),
  cancel: (jobId: string) => json(`/api/jobs/${id(jobId)}`, pb.Job, { method: "DELETE" }),
  logs: (jobId: string, tail = 1000) => json(`/api/jobs/${id(jobId)}/logs${q({ tail })}`, LogsResponse),
  scheduler: () => json("/api/scheduler", pb.SchedulerStatus),
  useStrategy: (strategy: string) =>
    json("/api/scheduler", pb.SchedulerStatus, {
      method: "PUT",
      body: JSON.stringify({ strategy }),
      contentType: "application/json",
    }),
  preview: (strategy: string) => json(`/api/scheduler/preview${q({ strategy })}`, pb.SchedulerPreview),
  plugins: () => json("/api/plugins", Plugins),
};
