// Job specs in the browser: the YAML/JSON the user types is parsed and checked against the same
// JSON Schema the orchestrator uses (job-spec.schema.json, copied from the api bundle at build
// time), so mistakes show while typing, each with the line it is on.
import Ajv2020 from "ajv/dist/2020";
import { LineCounter, parseDocument, stringify, isMap, isSeq } from "yaml";
import schema from "./gen/job-spec.schema.json";

export interface SpecProblem {
  /** JSON pointer-ish path, e.g. "resources.cpu"; "" for the whole spec. */
  path: string;
  message: string;
  /** 1-based line in the text, where known. */
  line?: number;
}

export interface SpecCheck {
  ok: boolean;
  problems: SpecProblem[];
  spec?: unknown;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const check = ajv.compile(schema);

/** Parses YAML (JSON is YAML too) and validates it against the job-spec schema. */
export function validateSpec(text: string): SpecCheck {
  if (!text.trim()) return { ok: false, problems: [{ path: "", message: "the spec is empty" }] };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: "",
        message: e.message.split("\n")[0],
        line: e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line,
      })),
    };
  }
  const spec = doc.toJS();
  if (check(spec)) return { ok: true, problems: [], spec };
  const seen = new Set<string>();
  const problems: SpecProblem[] = [];
  const errors = check.errors ?? [];
  // a value that matches no branch of a oneOf gets one message (the oneOf's), not one per branch
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath));
  for (const err of errors) {
    if (err.keyword === "if" || err.keyword === "allOf") continue;
    if (err.keyword !== "oneOf" && oneOfPaths.has(err.instancePath) && err.schemaPath.includes("/oneOf/")) continue;
    const segments = err.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    let message = err.message ?? "is not valid";
    if (err.keyword === "additionalProperties") {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      segments.push(extra);
      message = "is not a known field";
    } else if (err.keyword === "required") {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      message = `${missing} is required`;
    } else if (err.keyword === "pattern" || err.keyword === "oneOf") {
      const sub = describe(segments);
      if (sub) message = `must be ${sub}`;
    }
    const path = segments.join(".");
    const key = `${path}|${err.keyword === "oneOf" || err.keyword === "type" || err.keyword === "pattern" ? "value" : message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message, line: lineOf(doc, lines, segments) });
  }
  return { ok: false, problems, spec };
}

/** What a field takes, from the schema's description, for pattern and oneOf errors. */
function describe(segments: string[]): string | undefined {
  const last = segments[segments.length - 1];
  const defs = (schema as { $defs: Record<string, { description?: string }> }).$defs;
  if (last === "memory" || last === "gpuMemory") return defs.quantity.description;
  if (last === "timeout") return defs.duration.description;
  const props = (schema as { properties: Record<string, { description?: string }> }).properties;
  if (segments.length === 1) return props[last]?.description;
  return undefined;
}

function lineOf(doc: ReturnType<typeof parseDocument>, lines: LineCounter, segments: string[]): number | undefined {
  for (let n = segments.length; n >= 0; n--) {
    const path = segments.slice(0, n).map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
    const node = n === 0 ? doc.contents : doc.getIn(path, true);
    if (node && typeof node === "object" && "range" in node && Array.isArray(node.range)) {
      // for a key that is present, point at the key rather than its value
      if (n > 0) {
        const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((p) => (p.key as { value?: unknown })?.value === path[path.length - 1]);
          const key = pair?.key as { range?: number[] } | undefined;
          if (key?.range) return lines.linePos(key.range[0]).line;
        } else if (isSeq(parent)) {
          return lines.linePos((node.range as number[])[0]).line;
        }
      }
      return lines.linePos((node.range as number[])[0]).line;
    }
  }
  return undefined;
}

/** The common fields of the submit form. */
export interface SpecForm {
  name: string;
  runtime: string;
  /** process: a shell command line, run with sh -c. */
  command: string;
  /** docker: the image; ollama/vllm: the model. */
  image: string;
  model: string;
  cpu: string;
  memory: string;
  gpus: string;
  timeout: string;
  priority: string;
  /** one "key=value" per line */
  labels: string;
}

export const emptyForm = (): SpecForm => ({
  name: "",
  runtime: "process",
  command: "",
  image: "",
  model: "",
  cpu: "",
  memory: "",
  gpus: "",
  timeout: "",
  priority: "",
  labels: "",
});

/** The spec the form describes, as YAML for the editor. Empty fields are left out. */
export function formToYaml(f: SpecForm): string {
  const spec: Record<string, unknown> = { name: f.name.trim(), runtime: f.runtime.trim() };
  if (f.runtime === "process") spec.process = { command: ["sh", "-c", f.command] };
  else if (f.runtime === "docker") {
    spec.docker = f.command.trim() ? { image: f.image.trim(), command: ["sh", "-c", f.command] } : { image: f.image.trim() };
  } else if (f.runtime === "ollama" || f.runtime === "vllm") spec[f.runtime] = { model: f.model.trim() };
  const resources: Record<string, unknown> = {};
  if (f.cpu.trim()) resources.cpu = numeric(f.cpu);
  if (f.memory.trim()) resources.memory = numeric(f.memory);
  if (f.gpus.trim()) resources.gpus = numeric(f.gpus);
  if (Object.keys(resources).length) spec.resources = resources;
  if (f.timeout.trim()) spec.timeout = f.timeout.trim();
  if (f.priority.trim()) spec.priority = numeric(f.priority);
  const labels: Record<string, string> = {};
  for (const line of f.labels.split(/\n|,/)) {
    const i = line.indexOf("=");
    if (i > 0) labels[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  if (Object.keys(labels).length) spec.labels = labels;
  return stringify(spec);
}

function numeric(v: string): string | number {
  const t = v.trim();
  return /^-?[0-9]+(\.[0-9]+)?$/.test(t) ? Number(t) : t;
}
