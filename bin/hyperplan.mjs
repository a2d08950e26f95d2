#!/usr/bin/env node
// Installed from npm, hyperplan runs from its compiled dist/, and loads tsx only when it meets a
// TypeScript stack file (src/cli/stack-loader.ts). In its own repository (where src/ is, and dist/ is
// not shipped) it runs from its sources, compiled by tsx as they load.
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
let entry = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  entry = sources;
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
