/**
 * The simulator stands for oned: it must share no code, and so no understanding, with the client it
 * tests (a reader shared by both would agree with itself whatever oned does). Only the wire codec
 * (`src/xmlrpc`) and the error base (`src/errors.ts`) are common ground. And the client must never
 * lean on the simulator. These rules are checked over the real import graph of `src/`, and the
 * checker is shown to catch each way of breaking them on a small in-memory tree.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkBoundaries, describeViolation, importGraph, importSites, type BoundaryRule } from "./import-graph";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** What the simulator may use besides its own files: the XML-RPC codec and the error base. */
const SHARED_WITH_THE_SIMULATOR = ["src/xmlrpc/**", "src/errors.ts"];

const RULES: BoundaryRule[] = [
  {
    // An allow-list, so a new layer (src/core, src/backends …) is outside the simulator's reach from the start.
    name: "src/sim may import only src/sim, src/xmlrpc and src/errors.ts (a simulator knows only the cloud: no providers, backends, core, planner, diff, resources or cli)",
    from: ["src/sim/**"],
    allowed: ["src/sim/**", ...SHARED_WITH_THE_SIMULATOR],
    // Transitive, so the shared modules cannot become a back door to the client.
    transitive: true,
  },
  {
    name: "src/providers must not reach src/sim",
    from: ["src/providers/**"],
    forbidden: ["src/sim/**"],
    transitive: true,
  },
];

/**
 * A backend is a folder: the kit and the core know none, and the commands meet one only through the
 * registry (src/backends), so adding a backend touches its folders and one registry entry.
 */
const LAYER_RULES: BoundaryRule[] = [
  {
    name: "the provider kit serves every backend: src/providers/kit imports no backend's folder, no registry entry and no command",
    from: ["src/providers/kit/**"],
    forbidden: ["src/providers/opennebula/**", "src/backends/**", "src/cli/**", "src/sim/**"],
    transitive: true,
  },
  {
    name: "the core knows no backend: src/core, src/diff, src/planner, src/resources and src/graph.ts import no backend's folder and no registry entry",
    from: ["src/core/**", "src/diff/**", "src/planner/**", "src/resources/**", "src/graph.ts"],
    forbidden: ["src/providers/opennebula/**", "src/backends/**"],
    transitive: true,
  },
  {
    name: "the registry sits below the commands: src/backends imports nothing of src/cli",
    from: ["src/backends/**"],
    forbidden: ["src/cli/**"],
  },
  {
    name: "the commands reach a backend only through the registry: src/cli imports no backend's folder",
    from: ["src/cli/**"],
    forbidden: ["src/providers/opennebula/**"],
    // The user's stack file, loaded by its path.
    computedImportsIn: ["src/cli/stack-loader.ts"],
  },
];

/** Every .ts file under `src/`, by repository-relative POSIX path. */
function sourceTree(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(REPO_ROOT, relative), { withFileTypes: true })) {
      const path = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith(".ts")) files.set(path, readFileSync(join(REPO_ROOT, path), "utf8"));
    }
  };
  walk("src");
  return files;
}

describe("the boundaries between the simulator and the client", () => {
  const files = sourceTree();

  it("read the whole of both trees and resolve their imports", () => {
    const count = (prefix: string) => [...files.keys()].filter((p) => p.startsWith(prefix)).length;
    expect(count("src/sim/")).toBeGreaterThan(20);
    expect(count("src/providers/")).toBeGreaterThan(20);
    const edges = importGraph(files);
    // The known common ground is seen, so resolution works on the real tree.
    expect(edges.some((e) => e.from.startsWith("src/sim/") && e.to === "src/xmlrpc/index.ts")).toBe(true);
    expect(edges.some((e) => e.from.startsWith("src/sim/") && e.to === "src/errors.ts")).toBe(true);
    expect(edges.some((e) => e.from.startsWith("src/providers/") && e.to === "src/xmlrpc/index.ts")).toBe(true);
    const unresolved = edges.filter((e) => e.resolution === "unresolved" && (e.from.startsWith("src/sim/") || e.from.startsWith("src/providers/")));
    expect(unresolved.map((e) => `${e.from}:${e.line} ${e.specifier}`)).toEqual([]);
  });

  it("hold: nothing under src/sim imports the client or the core, nothing under src/providers imports the simulator", () => {
    const violations = checkBoundaries(files, RULES).map(describeViolation);
    expect(violations, violations.join("\n")).toEqual([]);
  });

  it("hold between the layers: the kit and the core name no backend, the commands go through the registry", () => {
    const violations = checkBoundaries(files, LAYER_RULES).map(describeViolation);
    expect(violations, violations.join("\n")).toEqual([]);
    // Each rule rules real files.
    for (const rule of LAYER_RULES) expect([...files.keys()].some((p) => rule.from.some((f) => p.startsWith(f.replace("/**", "/")) || p === f)), rule.name).toBe(true);
  });
});

describe("the boundary checker", () => {
  // A small tree breaking the rules in every way an import can be written.
  const fixture = new Map<string, string>([
    ["src/errors.ts", "export class HyperplanError extends Error {}\n"],
    ["src/xmlrpc/index.ts", 'export * from "./codec";\n'],
    ["src/xmlrpc/codec.ts", 'import { HyperplanError } from "../errors";\nexport const x = HyperplanError;\n'],
    ["src/providers/opennebula/template-syntax.ts", "export function parseTemplate() {}\n"],
    ["src/providers/opennebula/client.ts", 'import { x } from "../../xmlrpc/index";\nimport { plan } from "../../planner/plan";\nexport { x, plan };\n'],
    ["src/planner/plan.ts", "export const plan = 1;\n"],
    ["src/planner/retry.ts", 'import { world } from "../sim/opennebula/world";\nexport const retry = world;\n'],
    ["src/cli/main.ts", "export const main = 1;\n"],
    ["src/core/clock.ts", "export const clock = 1;\n"],
    ["src/index.ts", 'export * from "./providers/opennebula/client";\n'],
    ["src/sim/opennebula/world.ts", 'import { x } from "../../xmlrpc/index";\nimport { HyperplanError } from "../../errors";\nexport const world = [x, HyperplanError];\n'],
    [
      "src/sim/opennebula/forbidden.ts",
      [
        "// import { parseTemplate } from \"../../providers/opennebula/template-syntax\";  (a comment is not an import)",
        'const text = "import x from \'../../providers/opennebula/client\'";',
        'import { parseTemplate } from "../../providers/opennebula/template-syntax";',
        'import type { plan } from "../../planner/plan.js";',
        'export { main } from "../../cli/main";',
        'export function later() { return import("../../providers/opennebula/client"); }',
        'let t: import("../../planner/plan").Plan | undefined;',
        'import everything from "hyperplan";',
        'import "../../providers/opennebula/client";',
        'const r = require("../../cli/main");',
        "const computed = (name: string) => import(`../../${name}`);",
        'import { gone } from "./no-such-file";',
        'import { readFileSync } from "node:fs";',
        'import { world } from "./world";',
        'import { clock } from "../../core/clock";',
      ].join("\n"),
    ],
    ["src/providers/opennebula/sneaky.ts", 'import { retry } from "../../planner/retry";\nexport const s = retry;\n'],
  ]);

  it("finds every way of writing an import, and no import in a comment or a string", () => {
    const sites = importSites("src/sim/opennebula/forbidden.ts", fixture.get("src/sim/opennebula/forbidden.ts")!);
    expect(sites.map((s) => [s.line, s.kind, s.specifier])).toEqual([
      [3, "import", "../../providers/opennebula/template-syntax"],
      [4, "import type", "../../planner/plan.js"],
      [5, "export from", "../../cli/main"],
      [6, "dynamic import", "../../providers/opennebula/client"],
      [7, "type import()", "../../planner/plan"],
      [8, "import", "hyperplan"],
      [9, "import", "../../providers/opennebula/client"],
      [10, "require", "../../cli/main"],
      [11, "dynamic import", "`../../${name}`"],
      [12, "import", "./no-such-file"],
      [13, "import", "node:fs"],
      [14, "import", "./world"],
      [15, "import", "../../core/clock"],
    ]);
  });

  it("fails on a forbidden import, naming the file, the line, the import and where it leads", () => {
    const found = checkBoundaries(fixture, RULES).map(describeViolation);
    const sim = RULES[0]!.name;
    const client = RULES[1]!.name;
    const at = "src/sim/opennebula/forbidden.ts";
    expect(found).toEqual([
      `${sim}: ${at}:3 import "../../providers/opennebula/template-syntax" → src/providers/opennebula/template-syntax.ts`,
      `${sim}: ${at}:4 import type "../../planner/plan.js" → src/planner/plan.ts`,
      `${sim}: ${at}:5 export from "../../cli/main" → src/cli/main.ts`,
      `${sim}: ${at}:6 dynamic import "../../providers/opennebula/client" → src/providers/opennebula/client.ts`,
      `${sim}: ${at}:7 type import() "../../planner/plan" → src/planner/plan.ts`,
      `${sim}: ${at}:8 import "hyperplan" → src/index.ts`,
      `${sim}: ${at}:9 import "../../providers/opennebula/client" → src/providers/opennebula/client.ts`,
      `${sim}: ${at}:10 require "../../cli/main" → src/cli/main.ts`,
      `${sim}: ${at}:11 dynamic import "\`../../\${name}\`" → (a computed specifier, which cannot be checked)`,
      `${sim}: ${at}:12 import "./no-such-file" → (cannot be resolved to a file, so cannot be checked)`,
      `${sim}: ${at}:15 import "../../core/clock" → src/core/clock.ts`,
      `${client}: src/planner/retry.ts:1 import "../sim/opennebula/world" → src/sim/opennebula/world.ts (reached through src/providers/opennebula/sneaky.ts → src/planner/retry.ts)`,
    ]);
  });

  it("lets the simulator use the codec and the error base, and follows them transitively", () => {
    const clean = new Map([...fixture].filter(([path]) => path !== "src/sim/opennebula/forbidden.ts" && path !== "src/providers/opennebula/sneaky.ts"));
    expect(checkBoundaries(clean, RULES)).toEqual([]);
    // A shared module that reaches into the client drags the simulator across the boundary with it.
    clean.set("src/xmlrpc/codec.ts", 'import { parseTemplate } from "../providers/opennebula/template-syntax";\nexport const x = parseTemplate;\n');
    expect(checkBoundaries(clean, RULES).map(describeViolation)).toEqual([
      `${RULES[0]!.name}: src/xmlrpc/codec.ts:1 import "../providers/opennebula/template-syntax" → src/providers/opennebula/template-syntax.ts (reached through src/sim/opennebula/world.ts → src/xmlrpc/index.ts → src/xmlrpc/codec.ts)`,
    ]);
  });

  it("catches the core or a command naming a backend, and lets only the stack loader import a computed path", () => {
    const tree = new Map<string, string>([
      ["src/providers/opennebula/client.ts", "export const c = 1;\n"],
      ["src/providers/kit/steps.ts", 'import { c } from "../opennebula/client";\nexport const s = c;\n'],
      ["src/planner/executor.ts", 'import { s } from "../providers/kit/steps";\nexport const e = s;\n'],
      ["src/cli/stack-loader.ts", "export const load = (f: string) => import(f);\n"],
      ["src/cli/commands/plan.ts", 'import { c } from "../../providers/opennebula/client";\nexport const p = (f: string) => import(f) && c;\n'],
    ]);
    const [kit, core, , cli] = LAYER_RULES.map((r) => r.name);
    expect(checkBoundaries(tree, LAYER_RULES).map(describeViolation)).toEqual([
      `${kit}: src/providers/kit/steps.ts:1 import "../opennebula/client" → src/providers/opennebula/client.ts`,
      `${core}: src/providers/kit/steps.ts:1 import "../opennebula/client" → src/providers/opennebula/client.ts (reached through src/planner/executor.ts → src/providers/kit/steps.ts)`,
      `${cli}: src/cli/commands/plan.ts:1 import "../../providers/opennebula/client" → src/providers/opennebula/client.ts`,
      `${cli}: src/cli/commands/plan.ts:2 dynamic import "f" → (a computed specifier, which cannot be checked)`,
    ]);
  });
});
