#!/usr/bin/env node
// A user's stack.ts is TypeScript, run without a build step: tsx compiles each module as it loads.
// Installed from npm, hyperplan itself runs from its compiled dist/; in its own repository (where
// src/ is and dist/ is not shipped) it runs from its sources under the same loader.
import { existsSync } from "node:fs";
import { register } from "tsx/esm/api";

register();
const sources = new URL("../src/cli/main.ts", import.meta.url);
const { main } = await import(existsSync(sources) ? sources.href : new URL("../dist/cli/main.js", import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
