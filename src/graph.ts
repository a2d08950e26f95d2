/**
 * The change graph: nodes keyed by address, edges "a depends on b". One module for edges, cycle
 * detection, topological order and the bounded-concurrency walk that apply uses.
 *
 * Order is always deterministic: among nodes that are ready at the same time, addresses sort
 * lexicographically, so plans and cycle reports come out the same on every run.
 */
import { HyperplanError } from "./errors.js";

export class DependencyCycleError extends HyperplanError {
  /** The cycle as a list of addresses, first repeated at the end: `a → b → a`. */
  readonly cycle: readonly string[];
  constructor(cycle: string[]) {
    super("DEPENDENCY_CYCLE", `dependency cycle: ${cycle.join(" → ")}`, { address: cycle[0] });
    this.cycle = cycle;
  }
}

export class UnknownDependencyError extends HyperplanError {
  constructor(address: string, dependency: string) {
    super("UNKNOWN_DEPENDENCY", `depends on ${dependency}, which is not in the graph`, { address });
  }
}

export class Graph {
  private readonly deps = new Map<string, Set<string>>();
  private readonly dependents = new Map<string, Set<string>>();

  constructor(nodes: Iterable<string> = []) {
    for (const node of nodes) this.addNode(node);
  }

  addNode(node: string): void {
    if (!this.deps.has(node)) {
      this.deps.set(node, new Set());
      this.dependents.set(node, new Set());
    }
  }

  /** Records that `node` depends on `dependency` (the dependency comes first in create order). */
  addEdge(node: string, dependency: string): void {
    if (!this.deps.has(node)) throw new UnknownDependencyError(dependency, node);
    if (!this.deps.has(dependency)) throw new UnknownDependencyError(node, dependency);
    this.deps.get(node)!.add(dependency);
    this.dependents.get(dependency)!.add(node);
  }

  has(node: string): boolean {
    return this.deps.has(node);
  }

  get nodes(): string[] {
    return [...this.deps.keys()].sort();
  }

  dependenciesOf(node: string): string[] {
    return [...(this.deps.get(node) ?? [])].sort();
  }

  dependentsOf(node: string): string[] {
    return [...(this.dependents.get(node) ?? [])].sort();
  }

  /** Every node `node` reaches through its dependencies, transitively (not including itself). */
  transitiveDependencies(node: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...(this.deps.get(node) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      for (const d of this.deps.get(next) ?? []) stack.push(d);
    }
    return seen;
  }

  /** Every node that depends on `node`, transitively. */
  transitiveDependents(node: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...(this.dependents.get(node) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      for (const d of this.dependents.get(next) ?? []) stack.push(d);
    }
    return seen;
  }

  /**
   * The first cycle found, in a stable form (rotated to start at its smallest address), or undefined.
   * Depth-first from each node in sorted order, following dependencies in sorted order.
   */
  findCycle(): string[] | undefined {
    const state = new Map<string, "active" | "done">();
    const path: string[] = [];
    const visit = (node: string): string[] | undefined => {
      state.set(node, "active");
      path.push(node);
      for (const dep of this.dependenciesOf(node)) {
        const s = state.get(dep);
        if (s === "active") return path.slice(path.indexOf(dep));
        if (s === undefined) {
          const found = visit(dep);
          if (found) return found;
        }
      }
      path.pop();
      state.set(node, "done");
      return undefined;
    };
    for (const node of this.nodes) {
      if (state.has(node)) continue;
      const cycle = visit(node);
      if (cycle) {
        let start = 0;
        for (let i = 1; i < cycle.length; i++) if (cycle[i]! < cycle[start]!) start = i;
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        return [...rotated, rotated[0]!];
      }
    }
    return undefined;
  }

  /** Throws DependencyCycleError when the graph has a cycle. */
  assertAcyclic(): void {
    const cycle = this.findCycle();
    if (cycle) throw new DependencyCycleError(cycle);
  }

  /**
   * Dependencies before dependents (create order). Among nodes ready together, sorted by address.
   * The reverse of this is destroy order: a VM is deleted before the image it uses.
   */
  topologicalOrder(): string[] {
    this.assertAcyclic();
    const remaining = new Map<string, number>();
    for (const [node, deps] of this.deps) remaining.set(node, deps.size);
    // The ready nodes in a heap: the smallest name comes next, in O(log n) (a sort per step made a
    // 5,000-resource plan spend most of its ordering time sorting).
    const ready = new NameHeap(this.nodes.filter((n) => remaining.get(n) === 0));
    const order: string[] = [];
    while (ready.size > 0) {
      const node = ready.pop();
      order.push(node);
      for (const dependent of this.dependents.get(node)!) {
        const left = remaining.get(dependent)! - 1;
        remaining.set(dependent, left);
        if (left === 0) ready.push(dependent);
      }
    }
    return order;
  }

  /** The graph with every edge turned around (destroy order walks this). */
  reversed(): Graph {
    const g = new Graph(this.deps.keys());
    for (const [node, deps] of this.deps) for (const dep of deps) g.addEdge(dep, node);
    return g;
  }

  /** The subgraph of the given nodes, keeping the edges among them. */
  subgraph(keep: Iterable<string>): Graph {
    const set = new Set(keep);
    const g = new Graph([...set].filter((n) => this.deps.has(n)));
    for (const node of g.deps.keys()) for (const dep of this.deps.get(node)!) if (set.has(dep)) g.addEdge(node, dep);
    return g;
  }
}

export type WalkOutcome = "done" | "failed" | "skipped";

export interface WalkResult {
  outcomes: Map<string, WalkOutcome>;
  errors: Map<string, unknown>;
}

export interface WalkOptions {
  /** How many nodes may run at once. */
  concurrency: number;
  /** Called when a node is skipped because a dependency failed or was skipped. */
  onSkip?: (node: string, because: string) => void;
}

/**
 * Runs `visit` for every node, a node starting as soon as all of its own dependencies are done (no
 * waves), at most `concurrency` at once. A failed node skips only its dependents; independent nodes go
 * on. Ready nodes start in address order so runs are reproducible.
 */
export async function walkGraph(graph: Graph, visit: (node: string) => Promise<void>, options: WalkOptions): Promise<WalkResult> {
  graph.assertAcyclic();
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const outcomes = new Map<string, WalkOutcome>();
  const errors = new Map<string, unknown>();
  const waiting = new Map<string, number>();
  for (const node of graph.nodes) waiting.set(node, graph.dependenciesOf(node).length);
  const ready = graph.nodes.filter((n) => waiting.get(n) === 0);
  let running = 0;

  return new Promise<WalkResult>((resolve) => {
    const finishIfIdle = () => {
      if (running === 0 && ready.length === 0) resolve({ outcomes, errors });
    };
    const skip = (node: string, because: string) => {
      if (outcomes.has(node)) return;
      outcomes.set(node, "skipped");
      options.onSkip?.(node, because);
      for (const dependent of graph.dependentsOf(node)) skip(dependent, because);
    };
    const settle = (node: string, outcome: "done" | "failed", error?: unknown) => {
      running--;
      outcomes.set(node, outcome);
      if (outcome === "failed") {
        errors.set(node, error);
        for (const dependent of graph.dependentsOf(node)) skip(dependent, node);
      } else {
        for (const dependent of graph.dependentsOf(node)) {
          const left = waiting.get(dependent)! - 1;
          waiting.set(dependent, left);
          if (left === 0 && !outcomes.has(dependent)) ready.push(dependent);
        }
        ready.sort();
      }
      pump();
    };
    const pump = () => {
      while (running < concurrency && ready.length > 0) {
        const node = ready.shift()!;
        if (outcomes.has(node)) continue;
        running++;
        let promise: Promise<void>;
        try {
          promise = visit(node);
        } catch (error) {
          promise = Promise.reject(error);
        }
        promise.then(
          () => settle(node, "done"),
          (error: unknown) => settle(node, "failed", error),
        );
      }
      finishIfIdle();
    };
    pump();
  });
}

/** A min-heap of names in code-unit order (the order `Array.prototype.sort` gives strings). */
class NameHeap {
  private readonly items: string[] = [];

  constructor(initial: Iterable<string>) {
    for (const item of initial) this.push(item);
  }

  get size(): number {
    return this.items.length;
  }

  push(item: string): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= item) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = item;
  }

  pop(): string {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const child = r < a.length && a[r]! < a[l]! ? r : l;
        if (a[child]! >= last) break;
        a[i] = a[child]!;
        i = child;
      }
      a[i] = last;
    }
    return top;
  }
}
