/**
 * The HTTP side (seed 001, FACTS §2.1): XML-RPC over POST on `/hosting/` (and `/xmlrpc/`, which
 * older samples show), answers `text/xml`, refusals as `<fault>` with an int faultCode and a
 * faultString. Also here: call counting and the transport faults (late answers, connections
 * dropped before the call is performed or after it was).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeCall, encodeFault, encodeResponse, type XmlRpcValue } from "../../xmlrpc/index.js";
import { CallCounter, readBody, SimHttpEndpoint, sleep } from "../kit/http.js";
import type { Hosting } from "./api.js";
import { asGandiFault, GandiFault } from "./failure.js";

/** The paths the API answers on. */
export const API_PATHS = ["/hosting/", "/hosting", "/xmlrpc/", "/xmlrpc"];

export class GandiEndpoint extends SimHttpEndpoint {
  private readonly calls = new CallCounter();

  constructor(
    private readonly hosting: Hosting,
    private readonly onMutation: () => void,
  ) {
    super({ keepAliveTimeoutMs: 15_000, headersTimeoutMs: 16_000 });
  }

  callCounts(): Record<string, number> {
    return this.calls.snapshot();
  }

  resetCallCounts(): void {
    this.calls.reset();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (!API_PATHS.includes(path)) {
      req.resume();
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Not Found: the hosting API answers on /hosting/\n");
      return;
    }
    if (req.method !== "POST") {
      req.resume();
      res.writeHead(405, { "Content-Type": "text/plain", Allow: "POST" }).end("Method Not Allowed: XML-RPC calls are POSTed\n");
      return;
    }
    await this.inFlightCall(async () => {
      const body = await readBody(req);
      if (body === null) {
        res.writeHead(413, { "Content-Type": "text/plain" }).end("Request Entity Too Large\n");
        return;
      }
      let call: { method: string; params: XmlRpcValue[] };
      try {
        call = decodeCall(body, { preserveTypes: true });
      } catch (error) {
        send(res, encodeFault(1, `malformed XML-RPC request: ${(error as Error).message}`));
        return;
      }
      this.calls.count(call.method);
      const world = this.hosting.world;
      const transport = world.faults.forTransport(call.method);
      if (transport.delayMs > 0) await sleep(transport.delayMs);
      if (transport.drop) {
        req.socket.destroy();
        return;
      }
      let answer: string;
      try {
        const value = this.hosting.call(call.method, call.params, () => world.faults.callFault(call.method));
        answer = encodeResponse(value);
      } catch (error) {
        const fault = error instanceof GandiFault ? error : asGandiFault(error);
        answer = encodeFault(fault.code, fault.faultString);
      }
      this.onMutation();
      if (transport.resetAfter) {
        req.socket.destroy();
        return;
      }
      send(res, answer);
    });
  }
}

function send(res: ServerResponse, xml: string): void {
  res.writeHead(200, { "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(xml, "utf8") }).end(xml);
}
