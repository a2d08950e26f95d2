import { afterAll, beforeAll, describe, expect, it } from "vitest";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeResponse } from "../../../src/xmlrpc/index";
import { OneClient, TransportError } from "../../../src/providers/opennebula/index";

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A private CA and a server certificate for 127.0.0.1 signed by it, made for this test run. */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=hyperplan test CA");
  run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "san.ext");
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return { ca: read("ca.pem"), key: read("server.key"), cert: read("server.pem") };
}

describe.runIf(hasOpenssl())("OneClient over HTTPS", () => {
  let server: https.Server;
  let url: string;
  let ca: string;

  beforeAll(async () => {
    const certs = makeCertificates(mkdtempSync(join(tmpdir(), "hyperplan-tls-")));
    ca = certs.ca;
    server = https.createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
      req.resume();
      req.on("end", () => res.end(encodeResponse([true, "7.4.0", 0])));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/RPC2`;
  }, 30_000);

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("trusts a server signed by the custom CA it is given", async () => {
    const client = new OneClient({ endpoint: url, session: "oneadmin:opennebula", ca });
    expect(await client.call("one.system.version")).toBe("7.4.0");
    await client.close();
  });

  it("refuses the same server without that CA, as a TLS failure", async () => {
    const client = new OneClient({ endpoint: url, session: "oneadmin:opennebula" });
    const error = await client.call("one.system.version").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).reason).toBe("tls");
    await client.close();
  });
});
