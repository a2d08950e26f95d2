/**
 * The provider kit's HTTP transport, as any backend meets it: what is sent again and what is not,
 * and what its errors say.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Transport, TransportError, printableEndpoint } from "../../../src/providers/kit/http-transport";

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
}

/** A server whose second request on the first connection finds it closed, as after an idle timeout. */
async function closesSecondRequest(): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const url = await serve((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      bodies.push(body);
      if (bodies.length === 2) {
        req.socket.destroy();
        return;
      }
      res.setHeader("Content-Type", req.headers["content-type"] ?? "");
      res.end(`ok ${body}`);
    });
  });
  return { url, bodies };
}

async function failure(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(TransportError);
    return error as TransportError;
  }
  throw new Error("expected a failure");
}

describe("the HTTP transport", () => {
  it("sends a read once more on a fresh socket when a kept-alive one turns out closed", async () => {
    const { url, bodies } = await closesSecondRequest();
    const transport = new Transport({ endpoint: url });
    expect(await transport.post("read", "a", true)).toBe("ok a");
    expect(await transport.post("read", "b", true)).toBe("ok b");
    expect(bodies).toEqual(["a", "b", "b"]);
    transport.close();
  });

  it("never sends a change twice: a reset says the server may have acted, naming it", async () => {
    const { url, bodies } = await closesSecondRequest();
    const transport = new Transport({ endpoint: url, server: "xapi" });
    await transport.post("VM.get_all", "a", false);
    const e = await failure(transport.post("VM.clone", "b", false));
    expect(bodies).toEqual(["a", "b"]);
    expect(e.reason).toBe("reset");
    expect(e.mayHaveActed).toBe(true);
    expect(e.message).toContain("VM.clone");
    expect(e.message).toContain("xapi may or may not have carried the call out");
    transport.close();
  });

  it("collects a body of a declared length and one sent in chunks, byte for byte, and refuses one cut short", async () => {
    const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(""));
    const url = await serve((req, res) => {
      req.resume();
      req.on("end", () => {
        const pieces = [body.subarray(0, 1), body.subarray(1, 70_000), body.subarray(70_000)];
        if (req.url?.endsWith("/declared")) res.setHeader("Content-Length", body.length);
        if (req.url?.endsWith("/short")) {
          res.setHeader("Content-Length", body.length);
          res.write(pieces[0]);
          res.write(pieces[1], () => res.socket?.destroy());
          return;
        }
        const send = (i: number): void => {
          if (i === pieces.length) return void res.end();
          res.write(pieces[i], () => setImmediate(() => send(i + 1)));
        };
        send(0);
      });
    });
    const transport = new Transport({ endpoint: url });
    expect((await transport.postBytes("read", "", true, { path: "/api/declared" })).toString("latin1")).toBe(body.toString("latin1"));
    expect((await transport.postBytes("read", "", true, { path: "/api/chunked" })).toString("latin1")).toBe(body.toString("latin1"));
    const short = await failure(transport.postBytes("read", "", false, { path: "/api/short" }));
    expect(short.reason).toBe("reset");
    transport.close();
  });

  it("sends the body with the media type it was given", async () => {
    let seen = "";
    const url = await serve((req, res) => {
      seen = req.headers["content-type"] ?? "";
      req.resume();
      req.on("end", () => res.end("{}"));
    });
    const transport = new Transport({ endpoint: url, contentType: "application/json" });
    expect(await transport.post("list", "{}", true)).toBe("{}");
    expect(seen).toBe("application/json");
    transport.close();
  });

  it("tells a refused connection (never delivered) from an HTTP 5xx (waited out) and a 4xx (not)", async () => {
    const refused = await failure(new Transport({ endpoint: "http://127.0.0.1:9/api" }).post("x", "", false));
    expect(refused).toMatchObject({ reason: "refused", mayHaveActed: false, unreachable: true });
    const url503 = await serve((req, res) => {
      req.resume();
      res.statusCode = 503;
      res.end();
    });
    expect(await failure(new Transport({ endpoint: url503 }).post("x", "", false))).toMatchObject({ reason: "http-status", status: 503, unreachable: true });
    const url404 = await serve((req, res) => {
      req.resume();
      res.statusCode = 404;
      res.end();
    });
    expect(await failure(new Transport({ endpoint: url404 }).post("x", "", false))).toMatchObject({ reason: "http-status", status: 404, unreachable: false });
  });

  it("never prints the endpoint's user and password", async () => {
    const e = await failure(new Transport({ endpoint: "http://admin:s3cr3t@127.0.0.1:9/api" }).post("x", "", false));
    expect(e.message).not.toContain("s3cr3t");
    expect(printableEndpoint("https://u:p@cloud.example:8443/RPC2")).toBe("https://cloud.example:8443/RPC2");
  });
});
