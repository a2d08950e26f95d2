/**
 * Fidelity with Python's stdlib xmlrpc.client, driven as seed 001's Python samples drive the API
 * (python-client.py), against the running simulator.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startGandiSimulator } from "../../../src/sim/gandi/index";
import { LOGIN, PASSWORD } from "./helpers";

const script = fileURLToPath(new URL("./python-client.py", import.meta.url));
const hasPython = spawnSync("python3", ["--version"], { encoding: "utf8" }).status === 0;
if (!hasPython && process.env.CI === "true") throw new Error("python3 is required under CI for the Python xmlrpc.client fidelity test");
if (!hasPython) console.warn("python3 not found: skipping the Gandi Python xmlrpc.client fidelity test");

function runPython(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [script, ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe.runIf(hasPython)("Python's xmlrpc.client against the Gandi hosting simulator", () => {
  it("logs in, lists OSes, creates a VM followed to DONE, sees an operation end in ERROR and faults of each class", async () => {
    const sim = await startGandiSimulator({
      port: 0,
      delays: "fast",
      faults: [
        { type: "op-error", method: "disk_create", match: "broken-*", comment: "storage pool unavailable" },
        { type: "error", method: "vm_list", code: 110020, count: 1 },
      ],
    });
    try {
      const run = await runPython([sim.url, LOGIN, PASSWORD]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(out.session_type).toBe("str");
      expect(out.os).toEqual([
        [111, "Debian", "12"],
        [112, "Ubuntu", "24.04"],
        [113, "Rocky Linux", "9"],
      ]);
      expect(out.currency).toBe("EUR");
      expect(out.balance_type).toBe("float");
      expect(out.shares_free).toBe(4);
      expect(out.vm_id_type).toBe("int");
      expect(out.vm_create).toEqual({
        states_end: "DONE",
        uid_matches: true,
        type: "vm_create",
        param: { param_type: "vm", vm_id: 9000, hostname: "vmtest1", os_id: 111, shares: 1, cpu: 1 },
        date_create_type: "DateTime",
        date_create_text: 17,
        has_comment: false,
      });
      expect(out.vm_state).toBe("running");
      expect(out.listed_after_2006).toBe(true);
      expect(out.disk_error).toEqual({ state: "ERROR", comment: "storage pool unavailable", disk_state: "invalid" });
      expect(out.data_not_found).toEqual([503040, "DataError: VM does not exist [vm_id: 424242]"]);
      expect(out.data_state).toEqual([503060, "DataError: the VM must be stopped before it is deleted (state running) [vm_id: 9000]"]);
      expect(out.data_type).toEqual([503010, "DataError: wrong type for vm_id, expected int [vm_id: abc]"]);
      expect(out.server).toEqual([110020, "ServerError: database query failed"]);
      expect(out.unknown_method).toEqual([1, 'Method "vm_frobnicate" is not supported']);
      expect(out.bad_session).toEqual([500140, "DataError: session does not exist or has expired [session: ******]"]);
    } finally {
      await sim.close();
    }
  });
});
