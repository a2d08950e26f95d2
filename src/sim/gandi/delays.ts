/**
 * How long the simulated hosting takes, in milliseconds of the injected clock. Every operation
 * waits `queue` in PENDING, then runs for its type's duration in RUN, then ends (DONE or ERROR);
 * each duration is drawn once, when the operation is created, with the preset's seeded jitter.
 * The seed (001) names the states but no durations: the presets are the simulator's choice.
 */
import { isDelayPreset, parseDelayText, resolveDelaySpec, type DelayPresetName, type DelaySettings } from "../kit/delays.js";

export interface SimDelays {
  /** PENDING → RUN: the operation waits in Gandi's queue. */
  queueMs: number;
  vmCreateMs: number;
  vmUpdateMs: number;
  vmDeleteMs: number;
  vmStartMs: number;
  vmStopMs: number;
  vmRebootMs: number;
  diskCreateMs: number;
  diskDeleteMs: number;
  diskAttachMs: number;
  diskDetachMs: number;
  /** hosting_account_product_add/renew/remove/update. */
  productMs: number;
  /** Each duration is drawn in [1 - jitter, 1 + jitter) times its value. */
  jitter: number;
}

export type DelayPreset = DelayPresetName;

const PRESETS: Record<DelayPreset, SimDelays> = {
  // Every operation still goes PENDING → RUN → DONE, but the steps are due at once (seen at the next call).
  instant: { queueMs: 0, vmCreateMs: 0, vmUpdateMs: 0, vmDeleteMs: 0, vmStartMs: 0, vmStopMs: 0, vmRebootMs: 0, diskCreateMs: 0, diskDeleteMs: 0, diskAttachMs: 0, diskDetachMs: 0, productMs: 0, jitter: 0 },
  // Tens of milliseconds: a client sees every state, a whole stack still applies in well under a second.
  fast: { queueMs: 5, vmCreateMs: 60, vmUpdateMs: 20, vmDeleteMs: 20, vmStartMs: 30, vmStopMs: 30, vmRebootMs: 40, diskCreateMs: 20, diskDeleteMs: 10, diskAttachMs: 10, diskDetachMs: 10, productMs: 10, jitter: 0.2 },
  // Seconds to minutes, as a queued hosting platform of the time took (unverified).
  realistic: {
    queueMs: 2_000,
    vmCreateMs: 90_000,
    vmUpdateMs: 10_000,
    vmDeleteMs: 15_000,
    vmStartMs: 20_000,
    vmStopMs: 15_000,
    vmRebootMs: 30_000,
    diskCreateMs: 10_000,
    diskDeleteMs: 5_000,
    diskAttachMs: 5_000,
    diskDetachMs: 5_000,
    productMs: 3_000,
    jitter: 0.2,
  },
};

const STEP_NAMES: Record<string, keyof SimDelays> = {
  queue: "queueMs",
  vmCreate: "vmCreateMs",
  vmUpdate: "vmUpdateMs",
  vmDelete: "vmDeleteMs",
  vmStart: "vmStartMs",
  vmStop: "vmStopMs",
  vmReboot: "vmRebootMs",
  diskCreate: "diskCreateMs",
  diskDelete: "diskDeleteMs",
  diskAttach: "diskAttachMs",
  diskDetach: "diskDetachMs",
  product: "productMs",
  jitter: "jitter",
};

export const DELAY_STEP_NAMES: readonly string[] = Object.keys(STEP_NAMES);

/** Per-step delays laid over a preset (`preset`, default `fast`), by key (`vmCreateMs`) or step name (`vmCreate`). */
export type DelayOverrides = { preset?: DelayPreset } & { [step: string]: number | DelayPreset | undefined };

export { isDelayPreset };

const SETTINGS: DelaySettings<SimDelays> = { presets: PRESETS, stepNames: STEP_NAMES, presetKey: true, fractions: ["jitter"] };

export function resolveDelays(spec: DelayPreset | DelayOverrides | undefined): SimDelays {
  return resolveDelaySpec(spec, SETTINGS);
}

export function parseDelays(text: string): DelayPreset | DelayOverrides {
  return parseDelayText<DelayOverrides>(text, resolveDelays);
}

/** The duration key of each operation type. */
export const OPERATION_DELAY: Readonly<Record<string, keyof SimDelays>> = {
  vm_create: "vmCreateMs",
  vm_update: "vmUpdateMs",
  vm_delete: "vmDeleteMs",
  vm_start: "vmStartMs",
  vm_stop: "vmStopMs",
  vm_reboot: "vmRebootMs",
  disk_create: "diskCreateMs",
  disk_delete: "diskDeleteMs",
  disk_attach: "diskAttachMs",
  disk_detach: "diskDetachMs",
  hosting_account_product_add: "productMs",
  hosting_account_product_renew: "productMs",
  hosting_account_product_remove: "productMs",
  hosting_account_product_update: "productMs",
};
