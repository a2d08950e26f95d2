#!/usr/bin/env node
// hyperplan is written in TypeScript and runs without a build step: tsx compiles each module as it
// loads (the same loader that later runs a user's stack.ts).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
