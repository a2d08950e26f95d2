/**
 * Fidelity with a client that shares nothing with hyperplan: Python's urllib (Basic auth) and
 * ElementTree, driving the running simulator through create, get, update, stop, delete and each
 * error shape (python-client.py).
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startOpenVzSimulator } from "../../../src/sim/openvz/index";

const script = fileURLToPath(new URL("./python-client.py", import.meta.url));
const hasPython = spawnSync("python3", ["--version"], { encoding: "utf8" }).status === 0;
if (!hasPython && process.env.CI === "true") throw new Error("python3 is required under CI for the OpenVZ Python client fidelity test");
if (!hasPython) console.warn("python3 not found: skipping the OpenVZ Web Panel Python urllib/ElementTree fidelity test");

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

describe.runIf(hasPython)("Python's urllib and ElementTree against the OpenVZ Web Panel simulator", () => {
  it("creates, reads, updates, stops and deletes a virtual server, and reads each error shape", async () => {
    const sim = await startOpenVzSimulator({ port: 0, delays: "fast", users: [{ login: "bob", password: "bob-pw" }] });
    try {
      const run = await runPython([sim.url, "admin", "admin"]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(out.hosts).toEqual(["node1.lan", "node2.lan"]);
      expect(out.templates).toEqual(["centos-7-x86_64", "debian-11-x86_64", "ubuntu-22.04-x86_64"]);
      expect(out.create).toEqual({ root: "result", status: true, id: 4 });
      expect(out.get).toEqual({ identity: 103, ip_address: "10.10.1.13", state: "running", memory: 512, description: null, start_on_boot: true, expiration_date: null });
      expect(out.types).toEqual({ id: "int", identity: "int", memory: "int", start_on_boot: "bool", host_name: "str" });
      expect(out.update).toEqual({ root: "result", status: true, id: 4 });
      expect(out.after_update).toEqual([0, "py2.example.lan"]);
      expect(out.stop).toEqual({ root: "result", status: true });
      expect(out.state_after_stop).toBe("stopped");
      expect(out.invalid).toEqual({
        root: "result",
        status: false,
        // The pool check is the model's own `validate`, run after the format checks.
        errors: [
          ["password", "Password and confirmation are not equal."],
          ["host_name", "Hostname is invalid."],
          ["ip_address", "IP address not found in available IP pools."],
        ],
      });
      expect(out.vzctl).toEqual({
        root: "error",
        code: "internal_error",
        message: "Internal error.",
        details: "Command 'vzctl create 102 --ostemplate centos-7-x86_64 --config vps.basic' execution failed with code 91\nOutput: Cached OS template /vz/template/cache/centos-7-x86_64.tar.gz not found",
      });
      expect(out.not_found).toEqual({ root: "error", code: "object_not_found", message: "Object not found.", details: null });
      expect(out.unauthorized).toEqual([401, 'Basic realm="Web Password"', "HTTP Basic: Access denied.\n"]);
      expect(out.denied).toEqual({ root: "error", code: "access_denied", message: "Access denied.", details: null });
      expect(out.bob_sees).toEqual({ root: "error", code: "object_not_found", message: "Object not found.", details: null });
      expect(out.unknown.code).toBe("internal_error");
      expect(out.unknown.details).toContain("No action responded to frobnicate.");
      expect(out.delete).toEqual({ root: "result", status: true });
      expect(out.gone).toBe("object_not_found");
      expect(sim.callCounts()).toMatchObject({ "virtual_servers/create": 3, "virtual_servers/delete": 1, "hardware_servers/list": 2 });
    } finally {
      await sim.close();
    }
  });
});
