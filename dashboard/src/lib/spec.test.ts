import { describe, expect, it } from "vitest";
import { emptyForm, formToYaml, validateSpec } from "./spec";

describe("job spec validation", () => {
  it("accepts a process job", () => {
    const r = validateSpec("name: hello\nruntime: process\nprocess:\n  command: [sh, -c, 'echo hi']\n");
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
  });

  it("accepts JSON too", () => {
    expect(validateSpec('{"name":"a","runtime":"process","process":{"command":["true"]}}').ok).toBe(true);
  });

  it("says a process job needs its process section", () => {
    const r = validateSpec("name: hello\nruntime: process\n");
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.message)).toContain("process is required");
  });

  it("names an unknown field and its line", () => {
    const r = validateSpec("name: hello\nruntime: process\nprocess:\n  command: [true]\nresources:\n  cpus: 2\n");
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual({ path: "resources.cpus", message: "is not a known field", line: 6 });
  });

  it("explains a malformed quantity once, with the unit rules", () => {
    const r = validateSpec("name: hello\nruntime: process\nprocess:\n  command: [true]\nresources:\n  memory: lots\n");
    const memory = r.problems.filter((p) => p.path === "resources.memory");
    expect(memory.length).toBe(1);
    expect(memory[0].message).toContain("Ki, Mi, Gi");
    expect(memory[0].line).toBe(6);
  });

  it("reports a YAML syntax error with its line", () => {
    const r = validateSpec("name: hello\nruntime: [process\n");
    expect(r.ok).toBe(false);
    expect(r.problems[0].line).toBeGreaterThanOrEqual(2);
  });

  it("says an empty spec is empty", () => {
    expect(validateSpec("  \n").problems[0].message).toBe("the spec is empty");
  });

  it("writes valid YAML from the form", () => {
    const f = { ...emptyForm(), name: "count", command: "for i in 1 2 3; do echo line $i; done", cpu: "0.5", memory: "64Mi", labels: "team=ml, tier=batch", timeout: "1m" };
    const yaml = formToYaml(f);
    const r = validateSpec(yaml);
    expect(r.ok).toBe(true);
    expect(r.spec).toMatchObject({
      name: "count",
      runtime: "process",
      process: { command: ["sh", "-c", "for i in 1 2 3; do echo line $i; done"] },
      resources: { cpu: 0.5, memory: "64Mi" },
      labels: { team: "ml", tier: "batch" },
      timeout: "1m",
    });
  });
});
