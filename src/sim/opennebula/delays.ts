/**
 * How long each asynchronous step of the simulated cloud takes, in milliseconds of the injected
 * clock. Transitions are applied lazily when a call is served, so even "realistic" delays cost a
 * test nothing when it drives a fake clock.
 */
import { isDelayPreset, parseDelayText, resolveDelaySpec, type DelayPresetName, type DelaySettings } from "../kit/delays.js";

export interface SimDelays {
  /** Period of the scheduler cycle that places PENDING VMs (oned 6.x: 15 s; 7.x: at most 10 s). */
  schedulerPeriodMs: number;
  /** VMs placed per host per scheduler cycle; 0 = no limit (oned's MAX_HOST default is 1). */
  schedulerMaxPerHost: number;
  /** PROLOG, PROLOG_RESUME, PROLOG_UNDEPLOY: the transfer manager copies the disks. */
  prologMs: number;
  /** BOOT and its variants: the hypervisor driver starts the domain. */
  bootMs: number;
  /** SHUTDOWN, SHUTDOWN_POWEROFF, SHUTDOWN_UNDEPLOY, SAVE_STOP, SAVE_SUSPEND. */
  shutdownMs: number;
  /** EPILOG, EPILOG_STOP, EPILOG_UNDEPLOY, CLEANUP_DELETE. */
  epilogMs: number;
  /** HOTPLUG, HOTPLUG_NIC, HOTPLUG_RESIZE, HOTPLUG_*_POWEROFF, DISK_RESIZE*. */
  hotplugMs: number;
  /** Image LOCKED → READY (datastore driver copies or creates the image). */
  imageCopyMs: number;
  /** Image DELETE → gone. */
  imageDeleteMs: number;
  /** Virtual network LOCK_CREATE → READY. */
  vnetCreateMs: number;
  /** Virtual network LOCK_DELETE → gone. */
  vnetDeleteMs: number;
}

export type DelayPreset = DelayPresetName;

const PRESETS: Record<DelayPreset, SimDelays> = {
  instant: {
    schedulerPeriodMs: 0,
    schedulerMaxPerHost: 0,
    prologMs: 0,
    bootMs: 0,
    shutdownMs: 0,
    epilogMs: 0,
    hotplugMs: 0,
    imageCopyMs: 0,
    imageDeleteMs: 0,
    vnetCreateMs: 0,
    vnetDeleteMs: 0,
  },
  // Tens of milliseconds per step: an end-to-end apply sees every intermediate state but finishes fast.
  fast: {
    schedulerPeriodMs: 20,
    schedulerMaxPerHost: 0,
    prologMs: 30,
    bootMs: 30,
    shutdownMs: 20,
    epilogMs: 20,
    hotplugMs: 20,
    imageCopyMs: 40,
    imageDeleteMs: 20,
    vnetCreateMs: 20,
    vnetDeleteMs: 20,
  },
  // Orders of magnitude seen on real clouds (CLIENT-PERFORMANCE.md: VMs RUNNING 17–56 s after allocate).
  realistic: {
    schedulerPeriodMs: 10_000,
    schedulerMaxPerHost: 1,
    prologMs: 8_000,
    bootMs: 6_000,
    shutdownMs: 5_000,
    epilogMs: 4_000,
    hotplugMs: 3_000,
    imageCopyMs: 20_000,
    imageDeleteMs: 3_000,
    vnetCreateMs: 1_000,
    vnetDeleteMs: 1_000,
  },
};

/**
 * The short name of each step's delay, as `--delays '{"epilog":3000}'` writes it: the SimDelays key
 * without its `Ms` suffix (`schedulerMaxPerHost` is a count and keeps its name).
 */
const STEP_NAMES: Record<string, keyof SimDelays> = {
  schedulerPeriod: "schedulerPeriodMs",
  schedulerMaxPerHost: "schedulerMaxPerHost",
  prolog: "prologMs",
  boot: "bootMs",
  shutdown: "shutdownMs",
  epilog: "epilogMs",
  hotplug: "hotplugMs",
  imageCopy: "imageCopyMs",
  imageDelete: "imageDeleteMs",
  vnetCreate: "vnetCreateMs",
  vnetDelete: "vnetDeleteMs",
};

/** Per-step delays laid over the `fast` preset: SimDelays keys (`epilogMs`) or step names (`epilog`). */
export type DelayOverrides = Partial<SimDelays> & { [step: string]: number | undefined };

/** The step names and SimDelays keys a delays object may use, for messages. */
export const DELAY_STEP_NAMES: readonly string[] = Object.keys(STEP_NAMES);

const SETTINGS: DelaySettings<SimDelays> = { presets: PRESETS, stepNames: STEP_NAMES, presetKey: false };

export function resolveDelays(spec: DelayPreset | DelayOverrides | undefined): SimDelays {
  return resolveDelaySpec(spec, SETTINGS);
}

/**
 * Delays from command-line text: a preset name, or a JSON object of per-step delays in ms over the
 * `fast` preset (`{"epilog":3000}`). Throws a TypeError that says what is wrong.
 */
export function parseDelays(text: string): DelayPreset | DelayOverrides {
  return parseDelayText<DelayOverrides>(text, resolveDelays);
}

export { isDelayPreset };
