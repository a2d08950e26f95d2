import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeCall, decodeResponse } from "../../src/xmlrpc/decode";
import { encodeFault, encodeResponse } from "../../src/xmlrpc/encode";
import { EscapedString, XmlRpcI8, type XmlRpcValue } from "../../src/xmlrpc/values";

type Tagged =
  | { bool: boolean }
  | { int: string }
  | { float: string }
  | { str: string }
  | { nil: true }
  | { bytes: string }
  | { date: string }
  | { array: Tagged[] }
  | { struct: Array<[string, Tagged]> };

type Loaded = { params: Tagged[]; method: string | null } | { fault: [number, string] };

interface PythonOutput {
  loaded: Loaded[];
  calls: Array<{ xml: string; loaded: Loaded }>;
  responses: string[];
}

const script = fileURLToPath(new URL("./python-interop.py", import.meta.url));
const python = spawnSync("python3", ["--version"], { encoding: "utf8" });
const hasPython = python.status === 0;
if (!hasPython) console.warn("python3 not found: skipping the Python xmlrpc.client interop tests");

/** Python's tagged value as hyperplan would decode it (Python ints beyond 2^53 as bigint). */
function untag(value: Tagged): XmlRpcValue {
  if ("bool" in value) return value.bool;
  if ("int" in value) {
    const big = BigInt(value.int);
    return Number.isSafeInteger(Number(big)) ? Number(big) : big;
  }
  if ("float" in value) return Number(value.float);
  if ("str" in value) return value.str;
  if ("nil" in value) return null;
  if ("bytes" in value) return new Uint8Array(Buffer.from(value.bytes, "base64"));
  if ("date" in value) return new Date(`${value.date}Z`);
  if ("array" in value) return value.array.map(untag);
  return Object.fromEntries(value.struct.map(([k, v]) => [k, untag(v)]));
}

function runPython(responses: string[]): PythonOutput {
  const run = spawnSync("python3", [script], { input: JSON.stringify({ responses }), encoding: "utf8" });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as PythonOutput;
}

const sent: XmlRpcValue[] = [
  [true, "<VM><ID>7</ID><NAME><![CDATA[web & db]]></NAME></VM>", 0],
  [false, "[one.vm.info] Error getting virtual machine [7].", 0x400, 7, new XmlRpcI8(0)],
  {
    int: 1,
    i8: 2 ** 40,
    big: 2n ** 62n,
    double: 1.5,
    tiny: 5e-324,
    large: 1e300,
    no: false,
    nil: null,
    date: new Date(Date.UTC(2021, 11, 31, 23, 59, 58)),
    bytes: new Uint8Array([0, 1, 254, 255]),
    text: "tab\tCR\rCRLF\r\nLF\n<&>\"' é☃😀 ]]>",
    nested: { a: [[], {}], "": "" },
  },
  EscapedString.escape("<VM_POOL><VM><ID>1</ID></VM></VM_POOL>"),
];

/** What Python should read from each of `sent`, in its tagged form decoded by untag. */
const expectedByPython: XmlRpcValue[] = [
  [true, "<VM><ID>7</ID><NAME><![CDATA[web & db]]></NAME></VM>", 0],
  [false, "[one.vm.info] Error getting virtual machine [7].", 0x400, 7, 0],
  {
    int: 1,
    i8: 2 ** 40,
    big: 2n ** 62n,
    double: 1.5,
    tiny: 5e-324,
    large: 1e300,
    no: false,
    nil: null,
    date: new Date(Date.UTC(2021, 11, 31, 23, 59, 58)),
    bytes: new Uint8Array([0, 1, 254, 255]),
    text: "tab\tCR\rCRLF\r\nLF\n<&>\"' é☃😀 ]]>",
    nested: { a: [[], {}], "": "" },
  },
  "<VM_POOL><VM><ID>1</ID></VM></VM_POOL>",
];

describe.skipIf(!hasPython)("interop with Python's xmlrpc.client", () => {
  const faults: Array<[number, string]> = [
    [-501, "Parameter that is supposed to be integer is not"],
    [0x400, "[one.vm.info] <b>&amp; \r\n é"],
  ];
  const output = hasPython
    ? runPython([...sent.map((v) => encodeResponse(v)), ...faults.map(([c, m]) => encodeFault(c, m))])
    : undefined;

  it("reads every response hyperplan encodes", () => {
    const loaded = output!.loaded.slice(0, sent.length);
    loaded.forEach((result, i) => {
      expect("params" in result, `response ${i}`).toBe(true);
      if (!("params" in result)) return;
      expect(result.params.map(untag), `response ${i}`).toEqual([expectedByPython[i]]);
    });
  });

  it("reads every fault hyperplan encodes", () => {
    expect(output!.loaded.slice(sent.length)).toEqual(faults.map((fault) => ({ fault })));
  });

  it("writes calls hyperplan decodes to what Python itself reads back", () => {
    for (const { xml, loaded } of output!.calls) {
      if (!("params" in loaded)) throw new Error("python returned a fault for a call");
      expect(decodeCall(xml)).toEqual({ method: loaded.method, params: loaded.params.map(untag) });
    }
  });

  it("writes calls with the values hyperplan expects", () => {
    expect(decodeCall(output!.calls[0]!.xml)).toEqual({
      method: "one.vm.info",
      params: ["oneadmin:secret", 7, true, null],
    });
    const allocate = decodeCall(output!.calls[1]!.xml);
    expect(allocate.method).toBe("one.vm.allocate");
    expect(allocate.params).toEqual([
      "oneadmin:secret",
      // Python writes a carriage return as it is; XML line-end normalisation turns it into \n.
      'NAME="web"\nCPU="0.5"\nCONTEXT=[ A = "<&>" ]',
      false,
      -2147483648,
      1.5,
      1e300,
      -0,
      { a: [1, "b"], c: {}, d: [] },
      new Uint8Array([0, 255, 16]),
      new Date(Date.UTC(2020, 0, 2, 3, 4, 5)),
      "",
      "é☃😀\t",
    ]);
    expect(Object.is(allocate.params[6], -0)).toBe(true);
  });

  it("reads responses and faults Python writes", () => {
    const [struct, array, fault] = output!.responses.map((xml) => decodeResponse(xml));
    expect(struct).toEqual({
      fault: false,
      value: { ID: 7, NAME: "web & db", TAGS: ["a", "b"], OK: true, NONE: null },
    });
    expect(array).toEqual({ fault: false, value: ["<VM><ID>7</ID></VM>", 0] });
    expect(fault).toEqual({
      fault: true,
      code: -501,
      message: "Parameter that is supposed to be integer is not <x>",
    });
  });
});
