import { afterEach, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFault, encodeResponse, XmlRpcI8, decodeCall } from "../../../src/xmlrpc/index";
import { OneClient, resolveOneConfig, OneApiError, XmlRpcFaultError, TransportError, OneProtocolError } from "../../../src/providers/opennebula/index";
import { hasErrorCode } from "../../../src/errors";

const SECRET = "alice:s3cr3t-Session-Token";
const servers: http.Server[] = [];

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/RPC2`;
}

function answer(body: string): http.RequestListener {
  return (req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "text/xml" });
      res.end(body);
    });
  };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections?.();
    await new Promise((r) => s.close(r));
  }
});

function leaks(error: unknown): string[] {
  const views = [String(error), (error as Error).stack ?? "", JSON.stringify(error), inspect(error, { depth: 10 })];
  let cause = (error as Error).cause;
  while (cause) {
    views.push(String(cause), inspect(cause, { depth: 10 }));
    cause = (cause as Error).cause;
  }
  return views.filter((v) => v.includes("s3cr3t"));
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("OneClient envelopes", () => {
  it("returns the value of [true, value, 0] and sends the session first", async () => {
    let seen: unknown[] = [];
    const url = await serve((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen = decodeCall(body).params;
        res.end(encodeResponse([true, 42, 0]));
      });
    });
    const client = new OneClient({ endpoint: url, session: SECRET });
    expect(await client.call("one.vm.allocate", "NAME=x", false)).toBe(42);
    expect(seen).toEqual([SECRET, "NAME=x", false]);
    await client.close();
  });

  it("turns oned's 5-element failure into a OneApiError with the code's name, message and object id", async () => {
    const message = "[one.vm.info] Error getting virtual machine [7].";
    const url = await serve(answer(encodeResponse([false, message, 0x400, 7, new XmlRpcI8(0)])));
    const error = await failure(new OneClient({ endpoint: url, session: SECRET }).call("one.vm.info", 7));
    expect(error).toBeInstanceOf(OneApiError);
    const e = error as OneApiError;
    expect([e.method, e.codeName, e.errorCode, e.serverMessage, e.objectId, e.transient]).toEqual(["one.vm.info", "NO_EXISTS", 0x400, message, 7, false]);
    expect(e.message).toContain(message);
  });

  it("accepts the older 3-element failure and marks INTERNAL and LOCKED transient", async () => {
    const url = await serve(answer(encodeResponse([false, "[one.vm.action] The resource virtual machine is locked. [3].", 0x8000])));
    const e = (await failure(new OneClient({ endpoint: url, session: SECRET }).call("one.vm.action", "poweroff", 3))) as OneApiError;
    expect([e.codeName, e.objectId, e.transient]).toEqual(["LOCKED", -1, true]);
  });

  it("decodes an XML-RPC fault (-501 wrong parameter type) as its own error, not retried", async () => {
    const url = await serve(answer(encodeFault(-501, "Parameter that is supposed to be integer is not")));
    const e = (await failure(new OneClient({ endpoint: url, session: SECRET }).call("one.vm.info", "seven"))) as XmlRpcFaultError;
    expect(e).toBeInstanceOf(XmlRpcFaultError);
    expect([e.faultCode, e.faultString, e.transient]).toEqual([-501, "Parameter that is supposed to be integer is not", false]);
  });

  it("refuses a response of no known shape with a protocol error", async () => {
    const url = await serve(answer(encodeResponse("just a string")));
    expect(await failure(new OneClient({ endpoint: url, session: SECRET }).call("one.system.version"))).toBeInstanceOf(OneProtocolError);
  });
});

describe("OneClient.callEscapedBytes", () => {
  const pool = "<VM_POOL><VM><ID>1</ID><NAME>café 服务器 &amp; co</NAME></VM></VM_POOL>";
  const escapedBytes = (text: string) => Buffer.from(text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"), "utf8");
  const call = async (body: string) => new OneClient({ endpoint: await serve(answer(body)), session: SECRET }).callEscapedBytes("one.vmpool.info", -2, -1, -1);

  it("gives the result string's bytes as they stood on the wire, still escaped", async () => {
    expect((await call(encodeResponse([true, pool, 0]))).toString("latin1")).toBe(escapedBytes(pool).toString("latin1"));
    // XML-RPC's untyped <value> is a string too: decoded in full, same bytes.
    const untyped = encodeResponse([true, "", 0]).replace("<value><string></string></value>", `<value>${escapedBytes(pool).toString()}</value>`);
    expect((await call(untyped)).toString("latin1")).toBe(escapedBytes(pool).toString("latin1"));
  });

  it("reads the envelope as xmlrpc-c prints it: a declaration, line breaks between the elements", async () => {
    const escaped = escapedBytes(pool).toString("utf8");
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\r\n<methodResponse>\r\n<params>\r\n<param><value><array><data>\r\n' +
      `<value><boolean>1</boolean></value>\r\n<value><string>${escaped}</string></value>\r\n<value><i4>0</i4></value>\r\n` +
      "</data></array></value></param>\r\n</params>\r\n</methodResponse>\r\n";
    expect((await call(body)).toString("utf8")).toBe(escaped);
  });

  it("reports oned's failures and faults as a call does", async () => {
    const e = (await failure(call(encodeResponse([false, "[one.vmpool.info] User couldn't be authenticated, aborting call.", 0x100, -1, new XmlRpcI8(0)])))) as OneApiError;
    expect([e.codeName, e.serverMessage]).toEqual(["AUTHENTICATION", "[one.vmpool.info] User couldn't be authenticated, aborting call."]);
    const fault = (await failure(call(encodeFault(-501, "Parameter that is supposed to be integer is not")))) as XmlRpcFaultError;
    expect([fault.constructor, fault.faultString]).toEqual([XmlRpcFaultError, "Parameter that is supposed to be integer is not"]);
    expect(await failure(call(encodeResponse([true, 42, 0])))).toBeInstanceOf(OneProtocolError);
    expect(await failure(call("<methodResponse><params><param><value><string>cut"))).toBeInstanceOf(TransportError);
  });
});

describe("OneClient transport failures", () => {
  it("names a refused connection, transient", async () => {
    const url = await serve(() => undefined);
    await new Promise((r) => servers.pop()!.close(r));
    const e = (await failure(new OneClient({ endpoint: url, session: SECRET }).call("one.vmpool.info", -2, -1, -1, -1))) as TransportError;
    expect([e.reason, e.transient]).toEqual(["refused", true]);
  });

  it("reports HTTP 503 with its status, transient; 404 not transient", async () => {
    const url503 = await serve((req, res) => {
      req.resume();
      res.writeHead(503);
      res.end("busy");
    });
    const e = (await failure(new OneClient({ endpoint: url503, session: SECRET }).call("one.system.version"))) as TransportError;
    expect([e.reason, e.status, e.transient]).toEqual(["http-status", 503, true]);
    const url404 = await serve((req, res) => {
      req.resume();
      res.writeHead(404);
      res.end();
    });
    const e404 = (await failure(new OneClient({ endpoint: url404, session: SECRET }).call("one.system.version"))) as TransportError;
    expect([e404.status, e404.transient]).toEqual([404, false]);
  });

  it("reports malformed XML in a 200 answer as malformed", async () => {
    const url = await serve(answer("<methodResponse><params><param><value><array><data>"));
    const e = (await failure(new OneClient({ endpoint: url, session: SECRET }).call("one.system.version"))) as TransportError;
    expect(e.reason).toBe("malformed");
  });

  it("times out a server that never answers", async () => {
    const url = await serve((req) => req.resume());
    const e = (await failure(new OneClient({ endpoint: url, session: SECRET, timeoutMs: 150 }).call("one.system.version"))) as TransportError;
    expect([e.reason, e.transient]).toEqual(["timeout", true]);
  });

  it("reports a connection reset mid-call", async () => {
    const url = await serve((req) => {
      req.resume();
      req.socket.destroy();
    });
    const e = (await failure(new OneClient({ endpoint: url, session: SECRET }).call("one.system.version"))) as TransportError;
    expect(e.reason).toBe("reset");
  });

  it("sends a call once more when a reused keep-alive socket turns out closed", async () => {
    let calls = 0;
    const url = await serve((req, res) => {
      calls++;
      req.resume();
      req.on("end", () => {
        // The second request on the first connection finds it closed, as after oned's 15 s idle timeout.
        if (calls === 2) {
          req.socket.destroy();
          return;
        }
        res.end(encodeResponse([true, "7.4.0", 0]));
      });
    });
    const client = new OneClient({ endpoint: url, session: SECRET });
    expect(await client.call("one.system.version")).toBe("7.4.0");
    expect(await client.call("one.system.version")).toBe("7.4.0");
    expect(calls).toBe(3);
    await client.close();
  });

  it("never lets the session string into any error, cause or inspection", async () => {
    const urls = [
      await serve(answer(encodeResponse([false, "[one.vm.info] User couldn't be authenticated, aborting call.", 0x100, -1, new XmlRpcI8(0)]))),
      await serve(answer(encodeFault(-501, "Parameter that is supposed to be integer is not"))),
      await serve(answer("garbage")),
      await serve(answer(encodeResponse(1))),
      await serve((req) => {
        req.resume();
        req.socket.destroy();
      }),
    ];
    for (const url of urls) {
      const e = await failure(new OneClient({ endpoint: url.replace("http://", `http://${SECRET}@`), session: SECRET }).call("one.vm.info", 1));
      expect(leaks(e), String(e)).toEqual([]);
    }
    const client = new OneClient({ endpoint: urls[0]!, session: SECRET });
    expect(inspect(client, { depth: 5 })).not.toContain("s3cr3t");
    expect(JSON.stringify(client)).not.toContain("s3cr3t");
  });
});

describe("resolveOneConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "hyperplan-auth-"));

  it("reads ONE_XMLRPC and the first line of the file named by ONE_AUTH", () => {
    const file = join(dir, "one_auth");
    writeFileSync(file, "oneadmin:opennebula\nignored\n");
    expect(resolveOneConfig({ env: { ONE_XMLRPC: "https://one.example.org:2633/RPC2", ONE_AUTH: file } })).toEqual({
      endpoint: "https://one.example.org:2633/RPC2",
      session: "oneadmin:opennebula",
      credentialsFrom: `the auth file ${file} (ONE_AUTH)`,
    });
  });

  it("defaults to localhost:2633 and ~/.one/one_auth", () => {
    writeFileSync(join(dir, "home-auth"), "x");
    const home = mkdtempSync(join(tmpdir(), "hyperplan-home-"));
    const e = (() => {
      try {
        resolveOneConfig({ env: { HOME: home } });
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();
    expect(e?.message).toContain(join(home, ".one", "one_auth"));
    expect(resolveOneConfig({ env: {}, session: "a:b" }).endpoint).toBe("http://localhost:2633/RPC2");
  });

  it("names a malformed auth file without printing its content", () => {
    const file = join(dir, "bad");
    writeFileSync(file, "just-a-token-s3cr3t\n");
    try {
      resolveOneConfig({ env: { ONE_AUTH: file } });
      throw new Error("expected failure");
    } catch (error) {
      expect(hasErrorCode(error, "ONE_CONFIG")).toBe(true);
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).not.toContain("s3cr3t");
    }
  });

  it("refuses an endpoint that is not http(s)", () => {
    expect(() => resolveOneConfig({ env: {}, session: "a:b", endpoint: "ftp://x" })).toThrow("http:// or https://");
  });
});
