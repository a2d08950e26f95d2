/**
 * The import graph of `src/`, read with the TypeScript parser (so an import written in a comment or
 * a string is not one), and the boundary rules checked over it. Pure over a map of file texts, so the
 * checker's own tests can give it a small in-memory tree.
 *
 * Every way one module names another counts: `import … from`, `import type`, side-effect `import "…"`,
 * `export … from`, `import x = require(…)`, `require(…)`, dynamic `import(…)`, type-level
 * `import("…").T` and `/// <reference path>`. Relative specifiers are resolved as the bundler
 * resolution of tsconfig does (`x`, `x.ts`, `x.tsx`, `x/index.ts`, `x.js` → `x.ts`); `hyperplan` is the
 * tsconfig/vitest alias of `src/index.ts`; any other bare specifier (`node:fs`, a package) is outside
 * `src/` and left alone.
 */
import ts from "typescript";
import { posix } from "node:path";

export type ImportKind = "import" | "import type" | "export from" | "import = require" | "require" | "dynamic import" | "type import()" | "reference path";

export interface ImportSite {
  specifier: string;
  kind: ImportKind;
  /** 1-based. */
  line: number;
  /** False for a dynamic import or require whose argument is not a string literal. */
  literal: boolean;
}

/** Every import site of one file, in source order. */
export function importSites(fileName: string, source: string): ImportSite[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const sites: ImportSite[] = [];
  const lineOf = (pos: number) => file.getLineAndCharacterOfPosition(pos).line + 1;
  const add = (node: ts.Node, specifier: ts.Node | undefined, kind: ImportKind) => {
    if (specifier && (ts.isStringLiteral(specifier) || ts.isNoSubstitutionTemplateLiteral(specifier))) {
      sites.push({ specifier: specifier.text, kind, line: lineOf(node.getStart(file)), literal: true });
    } else {
      sites.push({ specifier: specifier ? specifier.getText(file) : "", kind, line: lineOf(node.getStart(file)), literal: false });
    }
  };
  for (const ref of file.referencedFiles) sites.push({ specifier: ref.fileName, kind: "reference path", line: lineOf(ref.pos), literal: true });
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly ? "import type" : "import");
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node, node.moduleSpecifier, "export from");
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, "import = require");
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], "dynamic import");
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require") {
      add(node, node.arguments[0], "require");
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, "type import()");
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return sites;
}

/** The alias tsconfig `paths` and vitest's `resolve.alias` give to the package's entry point. */
const PACKAGE_ALIAS: Record<string, string> = { hyperplan: "src/index.ts" };

export type Resolution = { kind: "file"; path: string } | { kind: "external" } | { kind: "unresolved" };

/**
 * Where `specifier`, written in `from` (a repository-relative POSIX path), leads. `exists` says
 * whether a repository-relative path is a file.
 */
export function resolveImport(from: string, specifier: string, exists: (path: string) => boolean): Resolution {
  const alias = PACKAGE_ALIAS[specifier];
  if (alias !== undefined) return { kind: "file", path: alias };
  if (!specifier.startsWith("./") && !specifier.startsWith("../") && specifier !== "." && specifier !== "..") {
    return specifier.startsWith("/") ? { kind: "unresolved" } : { kind: "external" };
  }
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`];
  if (/\.(m|c)?js$/.test(base)) candidates.push(base.replace(/\.(m|c)?js$/, ".ts"), base.replace(/\.(m|c)?js$/, ".tsx"));
  for (const candidate of candidates) if (exists(candidate)) return { kind: "file", path: candidate };
  return { kind: "unresolved" };
}

export interface ImportEdge extends ImportSite {
  from: string;
  /** Repository-relative path of the imported file; undefined for an external or unresolved one. */
  to: string | undefined;
  resolution: Resolution["kind"];
}

/** Every import edge of every file, in path order then source order. */
export function importGraph(files: ReadonlyMap<string, string>): ImportEdge[] {
  const exists = (path: string) => files.has(path);
  const edges: ImportEdge[] = [];
  for (const from of [...files.keys()].sort()) {
    for (const site of importSites(from, files.get(from)!)) {
      const resolution = site.literal ? resolveImport(from, site.specifier, exists) : ({ kind: "unresolved" } as const);
      edges.push({ ...site, from, to: resolution.kind === "file" ? resolution.path : undefined, resolution: resolution.kind });
    }
  }
  return edges;
}

/** A glob over repository-relative paths: `dir/**` (everything under dir) or an exact path. */
export type PathPattern = string;

export function matches(path: string, pattern: PathPattern): boolean {
  if (pattern.endsWith("/**")) return path.startsWith(pattern.slice(0, -2));
  return path === pattern;
}

const matchesAny = (path: string, patterns: readonly PathPattern[]) => patterns.some((p) => matches(path, p));

/**
 * A boundary: files matching `from` may reach, directly or (when `transitive`) through other files
 * of `src/`, only files matching `allowed` (when given) and never files matching `forbidden`.
 */
export interface BoundaryRule {
  name: string;
  from: readonly PathPattern[];
  allowed?: readonly PathPattern[];
  forbidden?: readonly PathPattern[];
  transitive?: boolean;
  /** The scope of the check: targets outside it (tests, examples) are not judged. Default `src/**`. */
  within?: readonly PathPattern[];
  /**
   * Files whose computed imports are known and not code of `src/` (the CLI loading a user's stack
   * file): they pass; a computed import anywhere else is a violation, since it cannot be checked.
   */
  computedImportsIn?: readonly PathPattern[];
}

export interface Violation {
  rule: string;
  /** The file whose import crosses the boundary. */
  file: string;
  line: number;
  specifier: string;
  kind: ImportKind;
  /** The file it leads to, or why it could not be followed. */
  target: string;
  /** For a transitive violation: the chain of files from the ruled file to `file`. */
  via: string[];
}

export function describeViolation(v: Violation): string {
  const chain = v.via.length > 1 ? ` (reached through ${v.via.join(" → ")})` : "";
  return `${v.rule}: ${v.file}:${v.line} ${v.kind} "${v.specifier}" → ${v.target}${chain}`;
}

function crossing(rule: BoundaryRule, edge: ImportEdge): string | undefined {
  if (edge.resolution === "external") return undefined;
  if (edge.resolution === "unresolved" || edge.to === undefined) {
    if (!edge.literal && rule.computedImportsIn && matchesAny(edge.from, rule.computedImportsIn)) return undefined;
    return edge.literal ? "(cannot be resolved to a file, so cannot be checked)" : "(a computed specifier, which cannot be checked)";
  }
  const within = rule.within ?? ["src/**"];
  if (!matchesAny(edge.to, within)) return undefined;
  if (rule.forbidden && matchesAny(edge.to, rule.forbidden)) return edge.to;
  if (rule.allowed && !matchesAny(edge.to, rule.allowed)) return edge.to;
  return undefined;
}

/** Every import that crosses one of the rules' boundaries. */
export function checkBoundaries(files: ReadonlyMap<string, string>, rules: readonly BoundaryRule[]): Violation[] {
  const edges = importGraph(files);
  const byFile = new Map<string, ImportEdge[]>();
  for (const edge of edges) {
    const list = byFile.get(edge.from) ?? [];
    list.push(edge);
    byFile.set(edge.from, list);
  }
  const violations: Violation[] = [];
  for (const rule of rules) {
    const roots = [...files.keys()].filter((path) => matchesAny(path, rule.from)).sort();
    // Breadth-first from every ruled file, so a transitive violation is reported once, by its shortest chain.
    const chainTo = new Map<string, string[]>(roots.map((root) => [root, [root]]));
    const queue = [...roots];
    const reported = new Set<string>();
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const edge of byFile.get(file) ?? []) {
        const target = crossing(rule, edge);
        if (target !== undefined) {
          const key = `${edge.from}:${edge.line}:${edge.specifier}`;
          if (!reported.has(key)) {
            reported.add(key);
            violations.push({ rule: rule.name, file: edge.from, line: edge.line, specifier: edge.specifier, kind: edge.kind, target, via: chainTo.get(file)! });
          }
          continue;
        }
        if (rule.transitive && edge.to !== undefined && files.has(edge.to) && !chainTo.has(edge.to)) {
          chainTo.set(edge.to, [...chainTo.get(file)!, edge.to]);
          queue.push(edge.to);
        }
      }
    }
  }
  return violations;
}
