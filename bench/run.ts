/**
 * `npm run bench [-- --json] [-- --only NAME] [-- --smoke]`: runs the benchmark scenarios in one
 * process and prints a table (or one JSON document `{ machine, scenarios: [{name, params, metrics}] }`).
 */
import { parseArgs } from "node:util";
import { formatTable, machine, runBenchmarks } from "./benchmarks";

const { values } = parseArgs({ options: { json: { type: "boolean" }, smoke: { type: "boolean" }, only: { type: "string", multiple: true } } });
const results = await runBenchmarks({ smoke: values.smoke === true, ...(values.only ? { only: values.only } : {}) });
if (values.json) process.stdout.write(`${JSON.stringify({ machine: machine(), scenarios: results }, null, 2)}\n`);
else process.stdout.write(`machine: ${JSON.stringify(machine())}\n\n${formatTable(results)}`);
