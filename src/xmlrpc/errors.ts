/**
 * Errors of the XML-RPC codec.
 *
 * A parse error says where it happened as a UTF-8 byte offset (what a packet capture or `head -c`
 * shows) and as a string index (what a debugger shows), plus a short excerpt of what stood there.
 */
import { HyperplanError } from "../errors.js";

/** How many characters of the document a parse error quotes. */
const EXCERPT_LENGTH = 40;

export interface XmlRpcParseErrorOptions {
  /** Index into the decoded string where the problem was found. */
  index: number;
  /** The text the index points into (the whole document, or a string value being unescaped). */
  text: string;
  cause?: unknown;
}

export class XmlRpcParseError extends HyperplanError {
  /** UTF-8 byte offset of the problem in the text that was being read. */
  readonly offset: number;
  /** UTF-16 index of the problem in the text that was being read. */
  readonly index: number;
  /** Up to 40 characters of the text at the problem (empty at end of input). */
  readonly excerpt: string;
  /** What was wrong, without the location. */
  readonly problem: string;

  constructor(problem: string, options: XmlRpcParseErrorOptions) {
    const index = Math.max(0, Math.min(options.index, options.text.length));
    const excerpt = options.text.slice(index, index + EXCERPT_LENGTH);
    const offset = Buffer.byteLength(options.text.slice(0, index), "utf8");
    const found = excerpt.length === 0 ? "end of input" : JSON.stringify(excerpt);
    super("XMLRPC_PARSE", `malformed XML-RPC: ${problem} at byte ${offset} (found ${found})`, {
      cause: options.cause,
    });
    this.offset = offset;
    this.index = index;
    this.excerpt = excerpt;
    this.problem = problem;
  }
}

export interface XmlRpcEncodeErrorOptions {
  /** Where in the value the problem is, e.g. `params[1].TEMPLATE[0]`. */
  path?: string;
  /** Index of the offending character in the string being encoded. */
  index?: number;
  cause?: unknown;
}

export class XmlRpcEncodeError extends HyperplanError {
  readonly path: string | undefined;
  readonly index: number | undefined;
  /** What was wrong, without the location. */
  readonly problem: string;

  constructor(problem: string, options: XmlRpcEncodeErrorOptions = {}) {
    const where = options.path === undefined ? "" : ` at ${options.path}`;
    super("XMLRPC_ENCODE", `cannot encode XML-RPC value${where}: ${problem}`, { cause: options.cause });
    this.path = options.path;
    this.index = options.index;
    this.problem = problem;
  }
}
