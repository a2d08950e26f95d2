import { describe, expect, it } from "vitest";
import { DependencyCycleError, Graph, walkGraph } from "../../src/graph";

function lab(): Graph {
  // net ← vm-a, img ← vm-a, img ← vm-b, tmpl ← vm-b
  const g = new Graph(["lab/vm-b", "lab/net", "lab/img", "lab/vm-a", "lab/tmpl"]);
  g.addEdge("lab/vm-a", "lab/net");
  g.addEdge("lab/vm-a", "lab/img");
  g.addEdge("lab/vm-b", "lab/img");
  g.addEdge("lab/vm-b", "lab/tmpl");
  return g;
}

describe("graph", () => {
  it("orders dependencies before dependents, ties by address", () => {
    expect(lab().topologicalOrder()).toEqual(["lab/img", "lab/net", "lab/tmpl", "lab/vm-a", "lab/vm-b"]);
  });

  it("reverses into destroy order: the VM goes before the image it uses", () => {
    const order = lab().reversed().topologicalOrder();
    expect(order.indexOf("lab/vm-a")).toBeLessThan(order.indexOf("lab/img"));
    expect(order.indexOf("lab/vm-b")).toBeLessThan(order.indexOf("lab/tmpl"));
  });

  it("reports a cycle in a stable order, starting at its smallest address", () => {
    const g = new Graph(["c", "a", "b", "d"]);
    g.addEdge("b", "c");
    g.addEdge("c", "a");
    g.addEdge("a", "b");
    g.addEdge("d", "a");
    expect(g.findCycle()).toEqual(["a", "b", "c", "a"]);
    expect(() => g.topologicalOrder()).toThrow(DependencyCycleError);
    expect(() => g.topologicalOrder()).toThrow("dependency cycle: a → b → c → a");
  });

  it("refuses an edge to a node that is not in the graph, naming both", () => {
    const g = new Graph(["lab/vm"]);
    expect(() => g.addEdge("lab/vm", "lab/missing")).toThrow("lab/vm: depends on lab/missing");
  });

  it("computes transitive dependencies and dependents", () => {
    const g = lab();
    expect([...g.transitiveDependencies("lab/vm-b")].sort()).toEqual(["lab/img", "lab/tmpl"]);
    expect([...g.transitiveDependents("lab/img")].sort()).toEqual(["lab/vm-a", "lab/vm-b"]);
    expect(g.subgraph(["lab/vm-a", "lab/img"]).dependenciesOf("lab/vm-a")).toEqual(["lab/img"]);
  });
});

describe("walkGraph", () => {
  const tick = () => new Promise((r) => setTimeout(r, 1));

  it("starts a node as soon as its own dependencies are done, not in waves", async () => {
    // slow ← a; fast ← b. b must start right after fast, while slow still runs.
    const g = new Graph(["slow", "fast", "a", "b"]);
    g.addEdge("a", "slow");
    g.addEdge("b", "fast");
    const events: string[] = [];
    let releaseSlow!: () => void;
    const slowDone = new Promise<void>((r) => (releaseSlow = r));
    const walk = walkGraph(
      g,
      async (node) => {
        events.push(`start ${node}`);
        if (node === "slow") await slowDone;
        else await tick();
        events.push(`end ${node}`);
        if (node === "b") releaseSlow();
      },
      { concurrency: 10 },
    );
    const result = await walk;
    expect(events.indexOf("start b")).toBeLessThan(events.indexOf("end slow"));
    expect([...result.outcomes.values()].every((o) => o === "done")).toBe(true);
  });

  it("never runs more than the concurrency bound", async () => {
    const g = new Graph(Array.from({ length: 20 }, (_, i) => `n${i}`));
    let running = 0;
    let peak = 0;
    await walkGraph(
      g,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
      },
      { concurrency: 3 },
    );
    expect(peak).toBe(3);
  });

  it("skips only the dependents of a failed node; independent nodes go on", async () => {
    const g = lab();
    const skipped: string[] = [];
    const result = await walkGraph(
      g,
      async (node) => {
        await tick();
        if (node === "lab/net") throw new Error("network driver failed");
      },
      { concurrency: 2, onSkip: (node, because) => skipped.push(`${node} because ${because}`) },
    );
    expect(result.outcomes.get("lab/net")).toBe("failed");
    expect(result.outcomes.get("lab/vm-a")).toBe("skipped");
    expect(result.outcomes.get("lab/vm-b")).toBe("done");
    expect(result.outcomes.get("lab/img")).toBe("done");
    expect(skipped).toEqual(["lab/vm-a because lab/net"]);
    expect(String(result.errors.get("lab/net"))).toContain("network driver failed");
  });

  it("treats a visitor that throws synchronously as a failure", async () => {
    const g = new Graph(["x", "y"]);
    g.addEdge("y", "x");
    const result = await walkGraph(
      g,
      (() => {
        throw new Error("boom");
      }) as never,
      { concurrency: 1 },
    );
    expect(result.outcomes.get("x")).toBe("failed");
    expect(result.outcomes.get("y")).toBe("skipped");
  });
});
