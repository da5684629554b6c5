import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module without types
import { descriptors, zodModule } from "./generate.mjs";

const here = dirname(fileURLToPath(import.meta.url));

describe("the zod generator", () => {
  it("handles nested, recursive and oneof messages, integer map keys and well-known types", async () => {
    const out = join(here, "../target/generate-test");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "t_zod.ts"), zodModule(descriptors(join(here, "fixtures")), "t/t.proto", "./t_pb"));
    const { Tree } = await import(join(out, "t_zod.ts"));

    const t = Tree.parse({
      children: [{ children: [], leaves: { "1": { kind: "RED", note: "n" } } }],
      b: "5",
      at: "2026-01-01T00:00:00Z",
      any: { deep: [1, "x", null] },
      kinds: ["RED"],
      big: "18446744073709551615",
      unknownField: true,
    });
    expect(t.children[0].leaves["1"].kind).toBe("RED");
    expect("unknownField" in t).toBe(false);
    expect(Tree.safeParse({ kinds: ["BLUE"] }).success).toBe(false);
    expect(Tree.safeParse({ b: 5 }).success).toBe(false); // int64 comes as a string
    expect(Tree.safeParse({ big: "-1" }).success).toBe(false);
  });
});
