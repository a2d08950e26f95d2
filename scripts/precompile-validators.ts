/**
 * Compiles the validators of every schema the CLI checks a stack against (each kind's props, a
 * StackOutput's, each backend's settings) ahead of time, into `dist/resources/precompiled-validators.cjs`
 * beside the validator that loads them (src/resources/schema-validator.ts). Run by `npm run build`.
 *
 * The module maps each schema's JSON text to its validator, so a validator is only ever used for the
 * very schema it was compiled from.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import standaloneCode from "ajv/dist/standalone/index.js";
import { BACKENDS } from "../src/backends/registry";
import { KIND_DEFINITIONS } from "../src/resources/saved-declaration";
import { newAjv, PRECOMPILED_FILE } from "../src/resources/schema-validator";
import { outputSchema } from "../src/resources/synthesis";
import type { JsonSchema } from "../src/resources/schema-parts";

/** Every schema a stack is checked against. */
export function checkedSchemas(): JsonSchema[] {
  return [...Object.values(KIND_DEFINITIONS).map((d) => d.schema), outputSchema, ...BACKENDS.map((b) => b.settingsSchema)];
}

/** A CommonJS module exporting `validators`: a Map from each schema's JSON text to its compiled validator. */
export function precompiledModuleSource(schemas: readonly JsonSchema[]): string {
  const ajv = newAjv({ code: { source: true, esm: false } });
  const names: Record<string, string> = {};
  const texts = new Map<string, string>();
  schemas.forEach((schema, i) => {
    const text = JSON.stringify(schema);
    if ([...texts.values()].includes(text)) return;
    const name = `schema${i}`;
    ajv.addSchema(schema, name);
    names[name] = name;
    texts.set(name, text);
  });
  // A CommonJS module: its default export arrives as the module object when loaded from ES modules.
  const generate = (standaloneCode as unknown as { default?: typeof standaloneCode }).default ?? standaloneCode;
  const code = generate(ajv, names);
  const table = [...texts].map(([name, text]) => `  [${JSON.stringify(text)}, exports.${name}],`).join("\n");
  return `// Compiled by scripts/precompile-validators.ts when the package was built.\n${code}\nexports.validators = new Map([\n${table}\n]);\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = new URL(`../dist/resources/${PRECOMPILED_FILE}`, import.meta.url);
  const schemas = checkedSchemas();
  writeFileSync(out, precompiledModuleSource(schemas));
  // stderr: `npm pack --json` runs this in its prepack and owns stdout.
  process.stderr.write(`${schemas.length} validators compiled into ${fileURLToPath(out)}\n`);
}
