import { afterEach, describe, expect, it, vi } from "vitest";
import { api, ApiError } from "./api";
import * as pb from "./gen/orchion_zod";

const node = {
  id: "n1",
  hostname: "box",
  name: "box",
  status: "READY",
  lastSeenUnixMs: "1764386400000",
  capabilities: { cpuCores: 8, totalMemoryBytes: "17179869184", runtimes: ["process"], labels: { zone: "attic" } },
  telemetry: { cpuLoad: 0.25, memoryUsedBytes: "1024", memoryTotalBytes: "2048", sampledAtUnixMs: "1764386400000" },
};

function answer(status: number, body: unknown, type = "application/json") {
  return vi.fn(async (_url: string, _init?: RequestInit) =>
    new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "Content-Type": type } }),
  );
}

afterEach(() => vi.unstubAllGlobals());

describe("generated zod schemas", () => {
  it("accept the protobuf JSON mapping: int64 as strings, enums by name", () => {
    expect(pb.Node.parse(node).capabilities?.totalMemoryBytes).toBe("17179869184");
  });

  it("reject an enum value that is not in the proto, naming the field", () => {
    const r = pb.Node.safeParse({ ...node, status: "SLEEPING" });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(["status"]);
  });

  it("reject an int64 that is not a decimal string", () => {
    expect(pb.Gpu.safeParse({ memoryBytes: "lots" }).success).toBe(false);
  });

  it("take a google.protobuf.Struct as any JSON object", () => {
    expect(pb.Job.parse({ id: "j", spec: { name: "x", resources: { cpu: 1 } } }).spec).toEqual({ name: "x", resources: { cpu: 1 } });
  });
});

describe("api client", () => {
  it("lists nodes from {nodes: [...]} and from a bare array", async () => {
    vi.stubGlobal("fetch", answer(200, { nodes: [node] }));
    expect((await api.nodes())[0].name).toBe("box");
    vi.stubGlobal("fetch", answer(200, [node]));
    expect((await api.nodes())[0].capabilities?.labels).toEqual({ zone: "attic" });
  });

  it("passes job filters as query parameters", async () => {
    const f = answer(200, { jobs: [], nextPageToken: "abc", total: 0 });
    vi.stubGlobal("fetch", f);
    const page = await api.jobs({ state: "RUNNING", node: "n1", limit: 50 });
    expect(f.mock.calls[0][0]).toBe("/api/jobs?state=RUNNING&node=n1&limit=50");
    expect(page.nextPageToken).toBe("abc");
  });

  it("turns problem+json into an error with its title and detail", async () => {
    vi.stubGlobal("fetch", answer(404, { title: "Not Found", status: 404, detail: "no job with id 'x'" }, "application/problem+json"));
    const err = await api.job("x").catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(404);
    expect(err.message).toBe("Not Found: no job with id 'x'");
    expect(err.missing).toBe(true);
  });

  it("reports an unreachable orchestrator as status 0", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const err = await api.health().catch((e) => e);
    expect(err.unreachable).toBe(true);
  });

  it("treats a proxy's bare 5xx as an unreachable orchestrator, but not the orchestrator's own 503", async () => {
    vi.stubGlobal("fetch", answer(500, "", "text/plain"));
    expect((await api.health().catch((e) => e)).unreachable).toBe(true);
    vi.stubGlobal("fetch", answer(503, { title: "Service Unavailable", status: 503, detail: "the scheduler is not running" }));
    const err = await api.scheduler().catch((e) => e);
    expect(err.unreachable).toBe(false);
    expect(err.detail).toBe("the scheduler is not running");
  });

  it("refuses a response that does not match the proto, naming the field", async () => {
    vi.stubGlobal("fetch", answer(200, { active: 7 }));
    const err = await api.scheduler().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toContain("/api/scheduler: active");
  });

  it("submits YAML with its media type and reads the created job", async () => {
    const f = answer(201, { id: "j1", name: "hello", state: "PENDING" });
    vi.stubGlobal("fetch", f);
    const job = await api.submit("name: hello\n", true);
    expect(job.state).toBe("PENDING");
    const init = f.mock.calls[0][1] as RequestInit;
    expect(init.method).toBe("POST");
    expect((init.headers as Record<string, string>)["Content-Type"]).toBe("application/yaml");
  });

  it("switches the strategy with PUT {strategy}", async () => {
    const f = answer(200, { active: "bin-packing", configured: "bin-packing", available: ["bin-packing", "round-robin"] });
    vi.stubGlobal("fetch", f);
    expect((await api.useStrategy("bin-packing")).active).toBe("bin-packing");
    expect((f.mock.calls[0][1] as RequestInit).body).toBe('{"strategy":"bin-packing"}');
  });
});

describe("paged job lists", () => {
  it("follows nextPageToken until the last page", async () => {
    const { allJobs } = await import("./cluster.svelte");
    const f = vi.fn(async (url: string) => {
      const page = url.includes("pageToken=p2")
        ? { jobs: [{ id: "c" }], total: 3 }
        : { jobs: [{ id: "a" }, { id: "b" }], nextPageToken: "p2", total: 3 };
      return new Response(JSON.stringify(page), { status: 200 });
    });
    vi.stubGlobal("fetch", f);
    expect((await allJobs()).map((j) => j.id)).toEqual(["a", "b", "c"]);
    expect(f.mock.calls.map((c) => c[0])).toEqual(["/api/jobs", "/api/jobs?pageToken=p2"]);
  });
});
