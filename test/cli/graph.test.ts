import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { expectGolden } from "../resources/golden";
import { captureIo } from "../support/cli-io";

const HERE = fileURLToPath(new URL(".", import.meta.url));

describe("hyperplan graph", () => {
  it("prints the lab's dependency graph as DOT, from the declaration alone", async () => {
    const io = captureIo();
    expect(await main(["graph", fileURLToPath(new URL("../../examples/stacks/lab.ts", import.meta.url))], io)).toBe(0);
    expect(io.err()).toBe("");
    expect(io.out()).toContain('"lab/lab-1" -> "lab/lab-scratch";');
    expectGolden(HERE, "graph", { "lab.dot": io.out() });
  });
});
