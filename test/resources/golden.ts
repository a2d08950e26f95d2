/**
 * Golden files: `<dir>/__golden__/<case>/<file>`. A test compares what it produced with the stored
 * file; `UPDATE_GOLDEN=1` rewrites the stored files instead. A missing golden file fails the test, so
 * a new case cannot pass by accident.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "vitest";

export function expectGolden(root: string, caseName: string, files: Record<string, string>): void {
  const dir = join(root, "__golden__", caseName);
  for (const [name, actual] of Object.entries(files)) {
    const file = join(dir, name);
    if (process.env.UPDATE_GOLDEN === "1") {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, actual);
      continue;
    }
    if (!existsSync(file)) throw new Error(`golden file ${file} is missing; run the tests with UPDATE_GOLDEN=1 to write it`);
    expect(actual, `golden ${caseName}/${name}`).toBe(readFileSync(file, "utf8"));
  }
}
