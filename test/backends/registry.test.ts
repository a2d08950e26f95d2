/**
 * Every backend in the registry is whole: its profile, its rules and its name agree, so what validate
 * lets through the diff can compare and the steps can carry out.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, DEFAULT_BACKEND, selectBackend } from "../../src/backends/registry";
import { RESOURCE_KINDS } from "../../src/resources/desired-state";

describe.each(BACKENDS.map((b) => [b.name, b] as const))("the %s backend", (name, backend) => {
  it("names itself the same way in its entry, its profile and its rules", () => {
    expect(backend.profile.backend).toBe(name);
    expect(backend.rules.backend).toBe(name);
    expect(name).toMatch(/^[a-z]+$/);
  });

  it("has rules for exactly the kinds its profile supports, with the same unique names", () => {
    const profiled = RESOURCE_KINDS.filter((k) => backend.profile.kinds[k] !== undefined);
    const ruled = RESOURCE_KINDS.filter((k) => backend.rules.kinds[k] !== undefined);
    expect(ruled).toEqual(profiled);
    for (const kind of profiled) expect(backend.rules.kinds[kind]!.uniqueNames === true, kind).toBe(backend.profile.kinds[kind]!.uniqueNames);
  });

  it("says how a VM carries its template when it has VM templates", () => {
    if (backend.profile.kinds.VmTemplate === undefined) return;
    expect(backend.rules.templateMerge).toBeDefined();
  });

  it("is chosen by its settings key, and its settings schema refuses what it does not know", () => {
    expect(selectBackend("lab", { [name]: {} }).choice?.backend).toBe(backend);
    const wrong = selectBackend("lab", { [name]: { noSuchSetting: true } });
    expect(wrong.issues.map((i) => i.path)).toEqual([`provider.${name}.noSuchSetting`]);
  });
});

describe("the registry", () => {
  it("has one entry per name, and the default among them", () => {
    expect(new Set(BACKENDS.map((b) => b.name)).size).toBe(BACKENDS.length);
    expect(BACKENDS).toContain(DEFAULT_BACKEND);
  });
});
