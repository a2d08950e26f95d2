/**
 * Adoption with `importId` (Terraform's import block): a VM whose ownership tags were removed by hand
 * is imported and updated in one plan, keeps its id, and no second VM is made; what must not be
 * adopted (no such object, the stack's own object at another address) is refused before anything is
 * called. A backend that cannot adopt objects refuses `importId`, saying why.
 */
import { describe, expect, it } from "vitest";
import { backendNamed } from "../../../src/backends/registry";
import type { BackendFixture } from "./fixture";
import { activeChanges, idAt, labAsCreated } from "./harness";

export function describeImports(fixture: BackendFixture): void {
  const { lab } = fixture;
  const { address, declare, missingId } = lab.importVm;
  const cannot = backendNamed(fixture.name)!.rules.cannotMove;

  describe("importId: adopting an object the stack does not own", () => {
    if (cannot !== undefined) {
      it("refuses importId, saying why, and changes nothing", async () => {
        const here = await labAsCreated(fixture, "import");
        const file = here.write("import", (source) => declare(source, missingId));
        const planned = await here.run("plan", file);
        expect(planned.code).toBe(1);
        expect(planned.err).toContain(`${address}: adopts virtual machine ${missingId} (importId), but ${cannot}`);
        expect(await here.owned()).toEqual(lab.addresses);
      });
      return;
    }

    it("adopts a VM whose tags were removed by hand: import and update in one plan, the same VM, never a second", async () => {
      const here = await labAsCreated(fixture, "import");
      const id = idAt(await here.planJson(), address)!;
      await here.withCloud((hand) => hand.untag!(address));
      expect(await here.owned()).toEqual(lab.addresses.filter((a) => a !== address));
      // Without importId the stack would make a second one beside it.
      expect((await here.planJson()).changes.find((c) => c.address === address)).toMatchObject({ action: "create" });

      const file = here.write("import", (source) => declare(source, id));
      const planned = await here.planJson(file);
      expect(activeChanges(planned)).toEqual([`update ${address}`]);
      expect(planned.summary).toEqual({ create: 0, update: 1, replace: 0, delete: 0, import: 1 });
      expect(planned.changes.find((c) => c.address === address)).toMatchObject({ action: "update", id, importId: id });
      const text = await here.run("plan", file);
      expect(text.out).toContain(`~ ${address} (VirtualMachine) id=${id} imported: the stack's tag written on it`);
      expect(text.out).toContain("Plan: 0 to create, 1 to update (1 import), 0 to replace, 0 to delete.");

      const applied = await here.run("apply", file, "--auto-approve");
      expect(applied.err).toBe("");
      expect(applied.code).toBe(0);
      expect(await here.owned()).toEqual(lab.addresses);
      const after = await here.planJson(file);
      expect(activeChanges(after)).toEqual([]);
      expect(idAt(after, address)).toBe(id);
      // Once imported, importId does nothing: it may stay or go.
      expect((await here.run("plan", "lab.ts", "--detailed-exitcode")).code).toBe(0);

      // From then on it is updated as any of the stack's objects, keeping its id.
      const memory = lab.edits.memoryChanged;
      if (memory) {
        const edited = here.write("import-memory", (source) => memory.edit(declare(source, id)));
        expect((await here.run("apply", edited, "--auto-approve")).code).toBe(0);
        expect(idAt(await here.planJson(edited), address)).toBe(id);
        expect(await here.owned()).toEqual(lab.addresses);
      }
    });

    it("refuses an id with no object and the stack's own object at another address, before anything is called", async () => {
      const here = await labAsCreated(fixture, "import-refused");
      const other = lab.vms.find((vm) => vm !== address)!;
      const otherId = idAt(await here.planJson(), other)!;
      await here.withCloud((hand) => hand.untag!(address));

      const missing = await here.run("plan", here.write("import-missing", (source) => declare(source, missingId)));
      expect(missing.code).toBe(1);
      expect(missing.err).toContain(`${address}: adopts virtual machine ${missingId} (importId), but`);
      expect(missing.err).toContain(`has no virtual machine with the id ${missingId}`);

      const own = await here.run("plan", here.write("import-own", (source) => declare(source, otherId)));
      expect(own.code).toBe(1);
      expect(own.err).toContain(`it is already stack "${lab.stack}"'s object at ${other}`);
      expect(own.err).toContain(`moved: { from: "${other}" }`);
      expect(await here.owned()).toEqual(lab.addresses.filter((a) => a !== address));
    });
  });
}
