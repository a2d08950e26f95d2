/**
 * How long the simulated hardware servers take to run vzctl, in milliseconds. Every panel call is
 * synchronous (FACTS §3.3): the HTTP answer comes when vzctl is done, so a call that runs vzctl
 * holds its answer for its step's duration, drawn per call with the preset's seeded jitter. The
 * panel's sources give no durations: the presets are the simulator's choice (SPEC.md).
 */
import { isDelayPreset, parseDelayText, resolveDelaySpec, type DelayPresetName, type DelaySettings } from "../kit/delays.js";

export interface SimDelays {
  /** vzctl create and the vzctl set calls after it. */
  createMs: number;
  /** The vzctl set calls of an update (an update that needs none takes no time). */
  updateMs: number;
  /** vzctl stop (when running) and vzctl destroy. */
  deleteMs: number;
  startMs: number;
  stopMs: number;
  restartMs: number;
  /** stop, destroy, create again, start again when it was running. */
  reinstallMs: number;
  /** hardware_servers/sync: vzlist and the configuration reads. */
  syncMs: number;
  /** Each duration is drawn in [1 - jitter, 1 + jitter) times its value. */
  jitter: number;
}

export type DelayPreset = DelayPresetName;

const PRESETS: Record<DelayPreset, SimDelays> = {
  instant: { createMs: 0, updateMs: 0, deleteMs: 0, startMs: 0, stopMs: 0, restartMs: 0, reinstallMs: 0, syncMs: 0, jitter: 0 },
  // A few to tens of milliseconds: long enough to see vzctl calls queue on a hardware server, short enough for tests.
  fast: { createMs: 40, updateMs: 10, deleteMs: 15, startMs: 10, stopMs: 10, restartMs: 15, reinstallMs: 40, syncMs: 5, jitter: 0.2 },
  // As a container of the time took on a modest node (unverified): unpacking a template tens of seconds, init a few seconds.
  realistic: { createMs: 30_000, updateMs: 1_000, deleteMs: 6_000, startMs: 3_000, stopMs: 3_000, restartMs: 5_000, reinstallMs: 35_000, syncMs: 2_000, jitter: 0.2 },
};

const STEP_NAMES: Record<string, keyof SimDelays> = {
  create: "createMs",
  update: "updateMs",
  delete: "deleteMs",
  start: "startMs",
  stop: "stopMs",
  restart: "restartMs",
  reinstall: "reinstallMs",
  sync: "syncMs",
  jitter: "jitter",
};

export const DELAY_STEP_NAMES: readonly string[] = Object.keys(STEP_NAMES);

/** Per-step delays laid over a preset (`preset`, default `fast`), by step name (`create`) or key (`createMs`). */
export type DelayOverrides = { preset?: DelayPreset } & { [step: string]: number | DelayPreset | undefined };

export { isDelayPreset };

const SETTINGS: DelaySettings<SimDelays> = { presets: PRESETS, stepNames: STEP_NAMES, presetKey: true, fractions: ["jitter"] };

export function resolveDelays(spec: DelayPreset | DelayOverrides | undefined): SimDelays {
  return resolveDelaySpec(spec, SETTINGS);
}

/** `--delays` text: a preset name or a JSON object of per-step delays; a TypeError says what is wrong. */
export function parseDelays(text: string): DelayPreset | DelayOverrides {
  return parseDelayText<DelayOverrides>(text, resolveDelays);
}
