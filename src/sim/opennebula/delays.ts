/**
 * How long each asynchronous step of the simulated cloud takes, in milliseconds of the injected
 * clock. Transitions are applied lazily when a call is served, so even "realistic" delays cost a
 * test nothing when it drives a fake clock.
 */
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

export type DelayPreset = "instant" | "fast" | "realistic";

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

export function resolveDelays(spec: DelayPreset | Partial<SimDelays> | undefined): SimDelays {
  if (spec === undefined) return { ...PRESETS.fast };
  if (typeof spec === "string") {
    const preset = PRESETS[spec];
    if (!preset) throw new TypeError(`unknown delay preset "${String(spec)}" (expected instant, fast or realistic)`);
    return { ...preset };
  }
  const merged: SimDelays = { ...PRESETS.fast };
  for (const [key, value] of Object.entries(spec) as [keyof SimDelays, number | undefined][]) {
    if (value === undefined) continue;
    if (!(key in merged)) throw new TypeError(`unknown delay setting "${key}"`);
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`delay setting "${key}" must be a finite number >= 0, got ${String(value)}`);
    }
    merged[key] = value;
  }
  return merged;
}

export function isDelayPreset(value: string): value is DelayPreset {
  return value === "instant" || value === "fast" || value === "realistic";
}
