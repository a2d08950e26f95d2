/**
 * Fidelity with Python's stdlib xmlrpc.client, driven the way the XenAPI.py binding drives it
 * (python-client.py), against the running simulator.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startXenServerSimulator } from "../../../src/sim/xenserver/index";
import { PASSWORD, USER } from "./helpers";

const script = fileURLToPath(new URL("./python-client.py", import.meta.url));
const hasPython = spawnSync("python3", ["--version"], { encoding: "utf8" }).status === 0;
if (!hasPython) console.warn("python3 not found: skipping the Python xmlrpc.client fidelity test");

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

describe.runIf(hasPython)("Python's xmlrpc.client, used as XenAPI.py uses it", () => {
  it("logs in with 2, 3 and 4 parameters, reads records, follows a task, reads events and failure details", async () => {
    const sim = await startXenServerSimulator({ port: 0, delays: { preset: "fast", loginFailure: 0, clone: 400 } });
    try {
      const run = await runPython([sim.url, sim.slaveUrl as string, USER, PASSWORD]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(out.logins).toEqual([true, true, true]);
      expect(out.vms).toEqual(["Control domain on host: sim-master", "Control domain on host: sim-slave", "Debian Bookworm 12", "Other install media", "debian-12-cloud"]);
      // xapi's ints travel as untyped strings; Python reads them as str.
      expect(out.types).toEqual({ memory_static_max: "str", is_a_template: "bool", other_config: "dict", VBDs: "list", HVM_shadow_multiplier: "float" });
      expect(out.task).toEqual({ first: "pending", last: "success", progress: 1, result_is_value: true, clone_name: "py-vm", clone_is_template: true, base_template_name: "Debian Bookworm 12" });
      expect(out.events).toEqual({
        first_ops: ["add"],
        first_classes: ["vm"],
        first_count: 6,
        vm_count: 6,
        count_type: "int",
        token_shape: true,
        second_count: 0,
        second_waited: true,
        second_token_not_older: true,
        mod: [["mod", true, "py-vm-renamed"]],
        bad_token: ["EVENT_FROM_TOKEN_PARSE_FAILURE", "not-a-token"],
      });
      expect(out.handle_invalid).toEqual(["HANDLE_INVALID", "VM", "OpaqueRef:nope"]);
      expect(out.unknown_method).toEqual(["MESSAGE_METHOD_UNKNOWN", "VM.no_such_message"]);
      expect(out.count_mismatch).toEqual(["MESSAGE_PARAMETER_COUNT_MISMATCH", "VM.get_record", "1", "0"]);
      expect(out.session_invalid[0]).toBe("SESSION_INVALID");
      expect(out.session_invalid_ref_matches).toBe(true);
      expect(out.bad_password).toEqual(["SESSION_AUTHENTICATION_FAILED", USER, "Authentication failure"]);
      expect(out.slave).toEqual(["HOST_IS_SLAVE", "127.0.0.1"]);
      expect(out.list_methods_has_vm_records).toBe(true);
    } finally {
      await sim.close();
    }
  });
});
