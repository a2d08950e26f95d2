/**
 * Validation of OpenNebula XML documents against oned's own XSDs (OpenNebula/one share/doc/xsd,
 * kept in `../shared/reference/opennebula/xsd` beside the checkout), with libxml2's xmllint compiled
 * to WebAssembly (`xmllint-wasm`). A clean clone has no such folder: test files using this module
 * skip (or, with CI=true, fail) through `referenceMissing("opennebula/xsd", …)` of `./reference`.
 *
 * oned prints its documents without a namespace while the schemas declare
 * `http://opennebula.org/XMLSchema`, so the root element gets that default namespace first.
 *
 * Cost: xmllint-wasm starts a worker and instantiates the WebAssembly module for every call
 * (~60 ms), so documents submitted in the same turn of the event loop for the same schema are
 * validated together in one call; the schema files are read from disk once per process.
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { validateXML, type XMLFileInfo } from "xmllint-wasm";
import { referencePath } from "./reference";

export type OneSchema =
  | "vm.xsd"
  | "vm_pool.xsd"
  | "vm_pool_extended.xsd"
  | "image.xsd"
  | "image_pool.xsd"
  | "vnet.xsd"
  | "vnet_pool.xsd"
  | "vmtemplate.xsd"
  | "vmtemplate_pool.xsd"
  | "security_group.xsd"
  | "security_group_pool.xsd"
  | "datastore.xsd"
  | "datastore_pool.xsd"
  | "host.xsd"
  | "host_pool.xsd"
  | "cluster.xsd"
  | "cluster_pool.xsd";

export interface OneValidation {
  valid: boolean;
  /** xmllint's messages, `line N: …`, with the schema namespace left out of element names. */
  errors: string[];
}

const NAMESPACE = "http://opennebula.org/XMLSchema";
export const ONE_XSD_DIR = referencePath("opennebula/xsd");

/** Documents per xmllint call: bounds the WebAssembly memory one call needs. */
const BATCH_LIMIT = 40;

let schemaFiles: Map<string, XMLFileInfo> | undefined;

function loadSchemas(): Map<string, XMLFileInfo> {
  if (schemaFiles) return schemaFiles;
  if (!existsSync(ONE_XSD_DIR)) {
    // Reached only by a test that did not ask referenceMissing("opennebula/xsd", …) first.
    throw new Error(`OpenNebula XSDs not found at ${ONE_XSD_DIR}: the shared reference data must sit beside the checkout`);
  }
  const files = new Map<string, XMLFileInfo>();
  for (const name of readdirSync(ONE_XSD_DIR)) {
    if (name.endsWith(".xsd")) files.set(name, { fileName: name, contents: readFileSync(join(ONE_XSD_DIR, name), "utf8") });
  }
  schemaFiles = files;
  return files;
}

const INCLUDE = /<xs:include\s+schemaLocation="([^"]+)"/g;

/** The schema and every file it includes, directly or not (xmllint reads them from its memory FS). */
export function schemaClosure(schema: string): XMLFileInfo[] {
  const files = loadSchemas();
  const seen = new Map<string, XMLFileInfo>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const file = files.get(name);
    if (!file) throw new Error(`schema ${name} is not in ${ONE_XSD_DIR}`);
    seen.set(name, file);
    for (const match of (file.contents as string).matchAll(INCLUDE)) visit(match[1]!);
  };
  visit(schema);
  return [...seen.values()];
}

/**
 * Puts `xmlns="http://opennebula.org/XMLSchema"` on the root element (after any declaration,
 * comments or processing instructions); a root that already declares a default namespace is kept.
 */
export function withOneNamespace(xml: string): string {
  let at = 0;
  for (;;) {
    while (at < xml.length && /\s/.test(xml[at]!)) at++;
    if (xml.startsWith("<?", at)) at = endOf(xml, "?>", at);
    else if (xml.startsWith("<!--", at)) at = endOf(xml, "-->", at);
    else if (xml.startsWith("<!", at)) at = endOf(xml, ">", at);
    else break;
  }
  if (xml[at] !== "<") return xml; // not XML: xmllint will say so
  const name = /^<[^\s/>]+/.exec(xml.slice(at, at + 200));
  if (!name) return xml;
  const tagEnd = xml.indexOf(">", at);
  if (tagEnd !== -1 && /\sxmlns\s*=/.test(xml.slice(at, tagEnd))) return xml;
  const insertAt = at + name[0].length;
  return `${xml.slice(0, insertAt)} xmlns="${NAMESPACE}"${xml.slice(insertAt)}`;
}

function endOf(text: string, marker: string, from: number): number {
  const end = text.indexOf(marker, from);
  return end === -1 ? text.length : end + marker.length;
}

interface Pending {
  fileName: string;
  xml: string;
  resolve: (result: OneValidation) => void;
  reject: (error: unknown) => void;
}

const queues = new Map<OneSchema, Pending[]>();
let flushScheduled = false;
let documentCounter = 0;

/** Validates one document served by oned (or the simulator) against `schema`. */
export function validateOneXml(xml: string, schema: OneSchema): Promise<OneValidation> {
  return new Promise((resolvePromise, reject) => {
    const fileName = `document-${++documentCounter}.xml`;
    const queue = queues.get(schema) ?? [];
    queues.set(schema, queue);
    queue.push({ fileName, xml: withOneNamespace(xml), resolve: resolvePromise, reject });
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  });
}

function flush(): void {
  flushScheduled = false;
  for (const [schema, queue] of queues) {
    queues.delete(schema);
    for (let i = 0; i < queue.length; i += BATCH_LIMIT) void runBatch(schema, queue.slice(i, i + BATCH_LIMIT));
  }
}

async function runBatch(schema: OneSchema, batch: Pending[]): Promise<void> {
  let output: string;
  try {
    const [main, ...included] = schemaClosure(schema);
    const result = await validateXML({
      xml: batch.map((p) => ({ fileName: p.fileName, contents: p.xml })),
      schema: [main!],
      preload: included,
      maxMemoryPages: 2048,
    });
    output = result.rawOutput;
  } catch (error) {
    // xmllint exits with an unexpected status for a document it cannot parse at all: retry
    // separately so one broken document does not hide the others' results.
    if (batch.length > 1) {
      for (const pending of batch) void runBatch(schema, [pending]);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes(`${batch[0]!.fileName}:`)) {
      batch[0]!.resolve({ valid: false, errors: messagesFor(message, batch[0]!.fileName) });
    } else {
      batch[0]!.reject(error);
    }
    return;
  }
  for (const pending of batch) {
    const errors = messagesFor(output, pending.fileName);
    const valid = output.split("\n").includes(`${pending.fileName} validates`);
    pending.resolve({ valid: valid && errors.length === 0, errors: valid || errors.length > 0 ? errors : ["xmllint did not report this document"] });
  }
}

const NAMESPACE_IN_MESSAGE = new RegExp(`\\{${NAMESPACE.replace(/[.]/g, "\\.")}\\}`, "g");

function messagesFor(output: string, fileName: string): string[] {
  const prefix = `${fileName}:`;
  const out: string[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    out.push(`line ${line.slice(prefix.length).replace(NAMESPACE_IN_MESSAGE, "")}`);
  }
  return out;
}
