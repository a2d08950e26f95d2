/**
 * How long the simulated pool takes, in milliseconds of the injected clock. Timed operations
 * (clone, copy, start, shutdowns …) run as a task that finishes after their duration; a sync call
 * of one answers once it has finished, as xapi's does (FACTS §1.8). Each duration is drawn once
 * per call with a seeded jitter, so a run with the same seed and calls takes the same time.
 */
import { isDelayPreset, parseDelayText, resolveDelaySpec, type DelayPresetName, type DelaySettings } from "../kit/delays.js";

export interface SimDelays {
  /** VM.clone: a fast clone of the disks (copy on write). */
  cloneMs: number;
  /** VM.copy and VDI.copy: per GiB of virtual size copied, on top of copyMinMs. */
  copyMsPerGiB: number;
  copyMinMs: number;
  /** VM.provision: the template's disks created. */
  provisionMs: number;
  /** VM.start, VM.resume: until the domain boots (the call returns while the guest boots on). */
  startMs: number;
  /** VM.clean_shutdown, VM.suspend: the guest's own shutdown. */
  cleanShutdownMs: number;
  /** VM.hard_shutdown: the domain destroyed. */
  hardShutdownMs: number;
  /** VM.clean_reboot, VM.hard_reboot. */
  rebootMs: number;
  /** VDI.create, VDI.resize, VDI.destroy and the like. */
  vdiMs: number;
  /** VBD/VIF plug and unplug. */
  plugMs: number;
  /** Any other call made as `Async.*` (constructors, pause, SR.scan …). */
  taskMs: number;
  /** task.cancel: cancelling → cancelled. */
  cancelMs: number;
  /** After a VM boots, until its guest agent reports its addresses (VM_guest_metrics). */
  guestAgentMs: number;
  /** SESSION_AUTHENTICATION_FAILED comes after this pause (xapi_session.ml waits 5 s). */
  loginFailureMs: number;
  /** Each duration is drawn in [1 - jitter, 1 + jitter) times its value. */
  jitter: number;
}

export type DelayPreset = DelayPresetName;

const PRESETS: Record<DelayPreset, SimDelays> = {
  // Every task still goes pending → success, one event generation apart, but at once.
  instant: {
    cloneMs: 0,
    copyMsPerGiB: 0,
    copyMinMs: 0,
    provisionMs: 0,
    startMs: 0,
    cleanShutdownMs: 0,
    hardShutdownMs: 0,
    rebootMs: 0,
    vdiMs: 0,
    plugMs: 0,
    taskMs: 0,
    cancelMs: 0,
    guestAgentMs: 0,
    loginFailureMs: 0,
    jitter: 0,
  },
  // Tens of milliseconds: a client sees pending tasks and every state, an apply still takes well under a second.
  fast: {
    cloneMs: 30,
    copyMsPerGiB: 4,
    copyMinMs: 30,
    provisionMs: 20,
    startMs: 40,
    cleanShutdownMs: 30,
    hardShutdownMs: 10,
    rebootMs: 40,
    vdiMs: 10,
    plugMs: 10,
    taskMs: 5,
    cancelMs: 5,
    guestAgentMs: 60,
    loginFailureMs: 20,
    jitter: 0.2,
  },
  // What a XenServer 8 pool on local storage takes: a fast clone in seconds, 10 GiB copied at ~130 MB/s,
  // a boot in ~6 s, the guest agent up half a minute later, a refused login after xapi's 5 s.
  realistic: {
    cloneMs: 2_000,
    copyMsPerGiB: 8_000,
    copyMinMs: 2_000,
    provisionMs: 1_500,
    startMs: 6_000,
    cleanShutdownMs: 5_000,
    hardShutdownMs: 1_500,
    rebootMs: 9_000,
    vdiMs: 800,
    plugMs: 1_000,
    taskMs: 300,
    cancelMs: 200,
    guestAgentMs: 25_000,
    loginFailureMs: 5_000,
    jitter: 0.2,
  },
};

const STEP_NAMES: Record<string, keyof SimDelays> = {
  // (`preset` names the preset the others are laid over.)
  clone: "cloneMs",
  copyPerGiB: "copyMsPerGiB",
  copyMin: "copyMinMs",
  provision: "provisionMs",
  start: "startMs",
  cleanShutdown: "cleanShutdownMs",
  hardShutdown: "hardShutdownMs",
  reboot: "rebootMs",
  vdi: "vdiMs",
  plug: "plugMs",
  task: "taskMs",
  cancel: "cancelMs",
  guestAgent: "guestAgentMs",
  loginFailure: "loginFailureMs",
  jitter: "jitter",
};

/** The step names a delays object may use (the SimDelays keys without `Ms`), for messages. */
export const DELAY_STEP_NAMES: readonly string[] = Object.keys(STEP_NAMES);

/**
 * Per-step delays laid over a preset (`preset`, default `fast`), by SimDelays key (`startMs`) or
 * step name (`start`): `{ start: 3000 }`, `{ preset: "instant", guestAgent: 20000 }`.
 */
export type DelayOverrides = { preset?: DelayPreset } & { [step: string]: number | DelayPreset | undefined };

export { isDelayPreset };

const SETTINGS: DelaySettings<SimDelays> = { presets: PRESETS, stepNames: STEP_NAMES, presetKey: true, fractions: ["jitter"] };

export function resolveDelays(spec: DelayPreset | DelayOverrides | undefined): SimDelays {
  return resolveDelaySpec(spec, SETTINGS);
}

/** Delays from command-line text: a preset name or a JSON object of per-step delays over a preset (`fast` by default). */
export function parseDelays(text: string): DelayPreset | DelayOverrides {
  return parseDelayText<DelayOverrides>(text, resolveDelays);
}
