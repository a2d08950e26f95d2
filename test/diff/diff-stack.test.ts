import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../src/errors";
import { diffStack } from "../../src/diff/diff-stack";
import { fingerprintLive, liveStatusOf, type LiveResource, type LiveState } from "../../src/diff/live-state";
import type { DiffRules } from "../../src/diff/rules";
import { UNKNOWN } from "../../src/core/plan";
import { MASKED_SECRET, type DesiredState } from "../../src/resources/desired-state";
import { openNebulaDiffRules } from "../../src/providers/opennebula/diff-rules";
import { labStack, withResource } from "./fixtures";
import { liveOf } from "./live-of";

const rules = openNebulaDiffRules;

function editLive(live: LiveState, address: string, edit: (r: LiveResource & { props: Record<string, unknown> }) => void): LiveState {
  const copy = JSON.parse(JSON.stringify(live)) as LiveState;
  edit(copy.resources.find((r) => r.address === address)! as LiveResource & { props: Record<string, unknown> });
  return copy;
}

function change(desired: DesiredState, live: LiveState, address: string, r: DiffRules = rules) {
  return diffStack(desired, live, r).find((c) => c.address === address)!;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("diffStack", () => {
  const desired = labStack();
  const live = liveOf(desired);

  it("returns one change per address, sorted", () => {
    const changes = diffStack(desired, live, rules);
    expect(changes.map((c) => c.address)).toEqual(desired.resources.map((r) => r.address).sort());
    expect(changes.every((c) => c.action === "noop")).toBe(true);
  });

  it("refuses a live state read for another stack", () => {
    expect(hasErrorCode(thrown(() => diffStack(desired, { ...live, stack: "prod" }, rules)), "STACK_MISMATCH")).toBe(true);
  });

  it("keeps the oldest of two live objects with one address and deletes the other under its own address", () => {
    const first = live.resources[0]!;
    const dup = { ...live, resources: [...live.resources, { ...first, id: "999" }, { ...first, id: "1000" }] };
    const changes = diffStack(desired, dup, rules);
    const kept = changes.find((c) => c.address === first.address)!;
    expect(kept.id).toBe(first.id);
    for (const id of ["999", "1000"]) {
      expect(changes.find((c) => c.address === `${first.address}~duplicate-${id}`)).toMatchObject({
        action: "delete",
        id,
        reason: expect.stringMatching(new RegExp(`^a second object carrying the address ${first.address} \\(the oldest, id ${first.id}, keeps it\\)`)),
      });
    }
  });

  it("refuses a live object of another kind at a declared address", () => {
    const wrong = editLive(live, "lab/os", (r) => (r.kind = "VirtualNetwork" as never));
    const error = thrown(() => diffStack(desired, wrong, rules));
    expect(hasErrorCode(error, "LIVE_STATE")).toBe(true);
    expect(String(error)).toContain("lab/os");
  });

  it("creates with every declared attribute as a line, secrets masked, attributes known after apply unknown", () => {
    const c = change(desired, { ...live, resources: [] }, "lab/db");
    expect(c.action).toBe("create");
    expect(c.diff.every((d) => d.before === undefined && d.operation === "one.vm.allocate")).toBe(true);
    const byPath = new Map(c.diff.map((d) => [d.path, d]));
    expect(byPath.get("memory")!.after).toBe(2048);
    expect(byPath.get("context.vars.WEB_IP")!.after).toEqual(UNKNOWN);
    expect(byPath.get("context.secretVars.DB_PASSWORD")).toMatchObject({ after: MASKED_SECRET, sensitive: true });
    expect(byPath.get("graphics.password")).toMatchObject({ after: MASKED_SECRET, sensitive: true });
    expect(JSON.stringify(c.diff)).not.toContain("s3cret");
    // apply needs the declared values themselves
    expect(JSON.stringify(c.after)).toContain("s3cret");
  });

  it("deletes what is no longer declared, with its id and live props", () => {
    const smaller = { ...desired, resources: desired.resources.filter((r) => r.address !== "lab/db") };
    const c = change(smaller, live, "lab/db");
    expect(c).toMatchObject({ action: "delete", id: live.resources.find((r) => r.address === "lab/db")!.id, diff: [] });
    expect(c.before!.name).toBe("db");
  });

  describe("attributes known after apply", () => {
    const webIp = (l: LiveState) => change(desired, l, "lab/db").diff.find((d) => d.path === "context.vars.WEB_IP");

    it("compare against the live value of the referenced object", () => {
      expect(webIp(live)).toBeUndefined();
      const moved = editLive(live, "lab/web-1", (r) => (r.values = { ip: "10.0.0.99" }));
      expect(webIp(moved)).toMatchObject({ before: "10.0.0.10", after: "10.0.0.99" });
    });

    it("are unknown when the referenced object is created by the plan", () => {
      const gone = { ...live, resources: live.resources.filter((r) => r.address !== "lab/web-1") };
      expect(webIp(gone)).toMatchObject({ before: "10.0.0.10", after: UNKNOWN });
    });

    it("are no difference when the live value is not reported, unless the variable is missing", () => {
      const silent = editLive(live, "lab/web-1", (r) => delete r.values);
      expect(webIp(silent)).toBeUndefined();
      const missing = editLive(silent, "lab/db", (r) => ((r.props.context as { vars: object }).vars = {}));
      expect(webIp(missing)).toMatchObject({ after: UNKNOWN });
    });
  });

  it("accepts another spelling of a live value the provider lists (a datastore by id or name)", () => {
    const byName = withResource(desired, "lab/os", (r) => ((r.props as { datastore?: unknown }).datastore = "default"));
    const byId = withResource(desired, "lab/os", (r) => ((r.props as { datastore?: unknown }).datastore = 1));
    const other = withResource(desired, "lab/os", (r) => ((r.props as { datastore?: unknown }).datastore = "ssd"));
    expect(change(byName, live, "lab/os").action).toBe("noop");
    expect(change(byId, live, "lab/os").action).toBe("noop");
    expect(change(other, live, "lab/os")).toMatchObject({ action: "replace", forcedBy: ["datastore"] });
  });

  it("compares attribute names by the backend's case rule", () => {
    const upper = editLive(live, "lab/db", (r) => (r.props.attributes = { TEAM: "data" }));
    expect(change(desired, upper, "lab/db").action).toBe("noop");
    const exact: DiffRules = { ...rules, keyCase: "exact" };
    expect(change(desired, upper, "lab/db", exact).diff.map((d) => d.path)).toEqual(["attributes.TEAM", "attributes.team"]);
  });

  it("compares only the declared raw attributes of the rules' backend", () => {
    const declared = withResource(desired, "lab/net", (r) => (r.props.raw = { opennebula: { FILTER_IP_SPOOFING: "YES" }, xenapi: { other: "x" } }));
    const withRaw = editLive(live, "lab/net", (r) => (r.props.raw = { opennebula: { FILTER_IP_SPOOFING: "YES", VN_MAD_EXTRA: "1" } }));
    expect(change(declared, withRaw, "lab/net").action).toBe("noop");
    const c = change(declared, live, "lab/net");
    expect(c.diff.map((d) => [d.path, d.operation])).toEqual([["raw.opennebula.FILTER_IP_SPOOFING", "one.vn.update"]]);
  });

  it("replaces a VM whose context is no longer declared (OpenNebula cannot remove one), masking it when it held secrets", () => {
    const noContext = withResource(desired, "lab/db", (r) => delete (r.props as { context?: unknown }).context);
    const c = change(noContext, live, "lab/db");
    const line = c.diff.find((d) => d.path === "context")!;
    expect(line).toMatchObject({ before: MASKED_SECRET, sensitive: true, operation: "replace", impact: "replace" });
    expect(line.after).toBeUndefined();
    expect([c.action, c.forcedBy]).toEqual(["replace", ["context"]]);
  });

  it("replaces a VM whose console port changes, since updateconf drops PORT", () => {
    const moved = withResource(desired, "lab/db", (r) => ((r.props as { graphics: { port?: number } }).graphics.port = 5999));
    const c = change(moved, live, "lab/db");
    expect([c.action, c.forcedBy]).toEqual(["replace", ["graphics.port"]]);
  });

  it("leaves values the declaration gives to the backend alone", () => {
    const chosen = editLive(live, "lab/db", (r) => {
      r.props.vcpu = 4;
      (r.props.nics as { mac: string }[])[0]!.mac = "02:00:00:00:00:99";
      (r.props.disks as { target: string }[])[1]!.target = "sdz";
    });
    expect(change(desired, chosen, "lab/db").action).toBe("noop");
  });

  it("compares a VM made from a template against the template's values", () => {
    const grown = withResource(desired, "lab/small", (r) => ((r.props as { memory: number }).memory = 4096));
    expect(change(grown, live, "lab/web-1").diff.map((d) => [d.path, d.before, d.after])).toEqual([["memory", 1024, 4096]]);
    const own = withResource(grown, "lab/web-1", (r) => ((r.props as { memory?: number }).memory = 1024));
    expect(change(own, live, "lab/web-1").action).toBe("noop");
  });
});

describe("live state helpers", () => {
  const live = liveOf(labStack());

  it("fingerprints the objects whatever their order, following their states but not their messages", () => {
    const reversed = [...live.resources].reverse();
    expect(fingerprintLive(reversed)).toBe(fingerprintLive(live.resources));
    const stopped = editLive(live, "lab/db", (r) => (r.status = { state: "POWEROFF", healthy: true }));
    expect(fingerprintLive(stopped.resources)).not.toBe(fingerprintLive(live.resources));
    const noted = editLive(live, "lab/db", (r) => (r.status = { state: "RUNNING", healthy: true, message: "at 12:00" }));
    expect(fingerprintLive(noted.resources)).toBe(fingerprintLive(live.resources));
  });

  it("reads a status defensively", () => {
    expect(liveStatusOf({ status: "junk" } as unknown as LiveResource)).toEqual({ state: "UNKNOWN", healthy: true });
    expect(liveStatusOf({ status: { state: "ERROR", healthy: false, message: "" } } as LiveResource)).toEqual({ state: "ERROR", healthy: false });
  });
});
