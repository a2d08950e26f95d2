/**
 * The operations OpenNebula's diff rules name: one name per way of applying an attribute change in
 * place, each carried out by the steps (steps.ts). Rules are typed with `OneOperation`, so a rule can
 * only name an operation the steps know; `test/providers/opennebula/operations.test.ts` has a scenario
 * for each member (a member without one does not compile) and checks that it yields its calls.
 *
 * A pair (`one.vm.detach+one.vm.attach`) is one change made by two calls, in that order.
 */
export const ONE_OPERATIONS = [
  "one.vm.rename",
  "one.vm.update",
  "one.vm.resize",
  "one.vm.updateconf",
  "one.vm.attach",
  "one.vm.detach",
  "one.vm.detach+one.vm.attach",
  "one.vm.diskresize",
  "one.vm.attachnic",
  "one.vm.detachnic",
  "one.vm.detachnic+one.vm.attachnic",
  "one.vm.attachsg",
  "one.vm.detachsg",
  "one.vm.detachsg+one.vm.attachsg",
  "one.image.rename",
  "one.image.update",
  "one.image.chtype",
  "one.image.persistent",
  "one.vn.rename",
  "one.vn.update",
  "one.vn.add_ar",
  "one.vn.rm_ar",
  "one.vn.rm_ar+one.vn.add_ar",
  "one.vn.update_ar",
  "one.secgroup.rename",
  "one.secgroup.update",
  "one.template.rename",
  "one.template.update",
] as const;

/** A VM's power action (`one.vm.action resume`) is named with the action it takes. */
export type OnePowerOperation = `one.vm.action ${"poweroff" | "resume" | "release"}`;

export type OneOperation = (typeof ONE_OPERATIONS)[number] | OnePowerOperation;

/** The XML-RPC methods an operation calls, in order. */
export function methodsOf(operation: OneOperation): string[] {
  return operation.startsWith("one.vm.action ") ? ["one.vm.action"] : operation.split("+");
}
