import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeResponse, encodeCall, type XmlRpcValue } from "../../../src/xmlrpc/index";
import { METHODS, dispatch } from "../../../src/sim/opennebula/dispatch";
import { World } from "../../../src/sim/opennebula/index";

const ACCOUNT = { user: "oneadmin", password: "opennebula" };

const param: fc.Arbitrary<XmlRpcValue> = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom("", "NAME=x", 'NAME="a"\nCPU="1"\nMEMORY="64"', "DISK=[IMAGE_ID=0]", "<TEMPLATE><NAME>x</NAME></TEMPLATE>", "terminate", "resume", "1,2,3", "[", "]]>"),
  fc.string(),
);

describe("robustness", () => {
  it("answers every method with a well-formed response, whatever the parameters", () => {
    const world = new World({ delays: "instant" });
    world.seedVms(3);
    const names = Object.keys(METHODS);
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(param, { maxLength: 12 }), (method, params) => {
        const result = dispatch(world, ACCOUNT, encodeCall(method, ["oneadmin:opennebula", ...params]));
        const decoded = decodeResponse(result.body);
        if (decoded.fault) {
          expect(decoded.code).toBe(-501);
        } else {
          const arr = decoded.value as XmlRpcValue[];
          expect(Array.isArray(arr)).toBe(true);
          if (arr[0] === true) expect(arr).toHaveLength(3);
          else {
            expect(arr).toHaveLength(5);
            expect(String(arr[1])).toMatch(new RegExp(`^\\[${method.replace(/\./g, "\\.")}\\] `));
            expect(String(arr[1])).not.toContain("Internal error:");
          }
        }
      }),
      { numRuns: 1500, seed: 20260115 },
    );
  });
});
