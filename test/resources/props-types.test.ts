import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const FILE = fileURLToPath(new URL("./props-types.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("props types", () => {
  it("reject every wrong prop marked @ts-expect-error and accept the rest", () => {
    const config = ts.readConfigFile(`${ROOT}tsconfig.json`, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const program = ts.createProgram([FILE], { ...parsed.options, noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === FILE || !d.file);
    const text = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    // An unused @ts-expect-error is itself an error, so a prop type that became too loose fails here.
    expect(text).toEqual([]);
    const expected = readFileSync(FILE, "utf8").match(/@ts-expect-error/g)?.length ?? 0;
    expect(expected).toBeGreaterThanOrEqual(20);
  });
});
