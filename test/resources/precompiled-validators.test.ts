import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { ValidateFunction } from "ajv";
import { checkedSchemas, precompiledModuleSource } from "../../scripts/precompile-validators";
import { newAjv } from "../../src/resources/schema-validator";
import type { JsonSchema } from "../../src/resources/schema-parts";

/** The module the package build writes, evaluated here as the CLI would require it. */
function loadPrecompiled(source: string): Map<string, ValidateFunction> {
  const module = { exports: {} as Record<string, unknown> };
  new Function("exports", "require", "module", source)(module.exports, createRequire(import.meta.url), module);
  return module.exports.validators as Map<string, ValidateFunction>;
}

/** What a validator says of a value: whether it passes, and its errors as the messages read them. */
function verdict(validate: ValidateFunction, data: unknown) {
  const ok = validate(data);
  return { ok, errors: JSON.parse(JSON.stringify(validate.errors ?? [])) as unknown };
}

/** Values shaped like the schema's object: its own keys (and strangers) holding any JSON. */
function inputsOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  const keys = Object.keys((schema.properties ?? {}) as object);
  const key = keys.length > 0 ? fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 4 })) : fc.string({ maxLength: 4 });
  const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.record({ size: fc.integer(), ref: fc.string(), name: fc.string() }, { requiredKeys: [] }), { maxLength: 2 }));
  return fc.oneof(fc.dictionary(key, value, { maxKeys: 6 }), fc.jsonValue({ maxDepth: 2 }));
}

describe("validators compiled when the package is built", () => {
  const schemas = checkedSchemas();
  const precompiled = loadPrecompiled(precompiledModuleSource(schemas));

  it("has one for each schema a stack is checked against, by the schema's text", () => {
    expect([...precompiled.keys()].sort()).toEqual(schemas.map((s) => JSON.stringify(s)).sort());
  });

  it("says what the validators compiled at run time say, errors and annotations included, for any value", () => {
    const ajv = newAjv();
    for (const schema of schemas) {
      const ahead = precompiled.get(JSON.stringify(schema))!;
      const here = ajv.compile(schema);
      fc.assert(
        fc.property(inputsOf(schema), (data) => {
          expect(verdict(ahead, data)).toEqual(verdict(here, data));
        }),
        { numRuns: 150 },
      );
    }
  });
});
