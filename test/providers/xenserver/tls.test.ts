import { afterAll, beforeAll, describe, expect, it } from "vitest";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TransportError, XenApiClient, type XenTransportKind } from "../../../src/providers/xenserver/index";
import { jsonSuccess, xmlSuccess } from "../../support/xapi-wire";

const SESSION = "OpaqueRef:5e55104e-0000-4000-8000-000000000001";

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A pool's own certificate, as a fresh install makes it: self-signed, for the host's address. */
function selfSigned(dir: string): { key: string; cert: string } {
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
    { cwd: dir, stdio: "ignore" },
  );
  return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
}

describe.runIf(hasOpenssl())("XenApiClient over HTTPS with a self-signed pool certificate", () => {
  let server: https.Server;
  let url: string;
  let cert: string;

  beforeAll(async () => {
    const pair = selfSigned(mkdtempSync(join(tmpdir(), "hyperplan-xen-tls-")));
    cert = pair.cert;
    server = https.createServer({ key: pair.key, cert: pair.cert }, (req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        if (req.url === "/jsonrpc") {
          const { id } = JSON.parse(body) as { id: number };
          res.writeHead(200, { "Content-Type": "application/json" }).end(jsonSuccess(SESSION, id, 2));
        } else {
          res.writeHead(200, { "Content-Type": "text/xml" }).end(xmlSuccess(SESSION));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }, 30_000);

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it.each<XenTransportKind>(["json-rpc", "xml-rpc"])("refuses it by default over %s, as a TLS failure that never reached xapi", async (transport) => {
    const client = new XenApiClient({ url, username: "root", password: "pw", transport });
    const error = (await client.connect().catch((e: unknown) => e)) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect([error.reason, error.mayHaveActed]).toEqual(["tls", false]);
    await client.close();
  });

  it("trusts it when given as the CA, and accepts it on the explicit opt-out", async () => {
    for (const options of [{ ca: cert }, { rejectUnauthorized: false }]) {
      const client = new XenApiClient({ url, username: "root", password: "pw", ...options });
      await client.connect();
      await client.close();
    }
  });
});
