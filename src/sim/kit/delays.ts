/**
 * Delay settings as a simulator takes them, with no step of any cloud in them: a preset name
 * (instant, fast, realistic), or an object of per-step overrides laid over a preset, each named by
 * its settings key (`bootMs`) or its step name (`boot`), each a finite number >= 0; and the same
 * read from command-line text. Each simulator brings its presets and step names.
 */
export type DelayPresetName = "instant" | "fast" | "realistic";

export function isDelayPreset(value: unknown): value is DelayPresetName {
  return value === "instant" || value === "fast" || value === "realistic";
}

export interface DelaySettings<D> {
  presets: Record<DelayPresetName, D>;
  /** Step name → settings key (`boot` → `bootMs`). */
  stepNames: Record<string, keyof D>;
  /** Whether an overrides object may name the preset it is laid over as `preset` (else `fast`). */
  presetKey: boolean;
  /** Settings that are fractions: they must also be below 1. */
  fractions?: readonly (keyof D)[];
}

/** The settings `spec` stands for: `fast` when undefined, a preset, or overrides over a preset. */
export function resolveDelaySpec<D extends object>(spec: unknown, settings: DelaySettings<D>): D {
  if (spec === undefined) return { ...settings.presets.fast };
  if (typeof spec === "string") {
    if (!isDelayPreset(spec)) throw new TypeError(`unknown delay preset "${String(spec)}" (expected instant, fast or realistic)`);
    return { ...settings.presets[spec] };
  }
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError("delays must be a preset name (instant, fast, realistic) or an object of per-step delays");
  }
  const overrides = spec as Record<string, unknown>;
  const base = settings.presetKey ? (overrides.preset ?? "fast") : "fast";
  if (!isDelayPreset(base)) throw new TypeError(`unknown delay preset "${String(base)}" (expected instant, fast or realistic)`);
  const merged = { ...settings.presets[base] } as D & Record<string, number>;
  const names = Object.keys(settings.stepNames);
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined || (settings.presetKey && name === "preset")) continue;
    const key = (name in merged ? name : settings.stepNames[name]) as string | undefined;
    if (key === undefined) throw new TypeError(`unknown delay setting "${name}" (expected one of ${names.join(", ")})`);
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`delay setting "${name}" must be a finite number >= 0, got ${JSON.stringify(value)}`);
    }
    if (settings.fractions?.includes(key as keyof D) && value >= 1) throw new TypeError(`delay setting "${name}" must be below 1, got ${value}`);
    merged[key as keyof D & string] = value as (D & Record<string, number>)[keyof D & string];
  }
  return merged;
}

/**
 * Delays from command-line text: a preset name, or a JSON object of per-step delays checked by
 * `resolve`. Throws a TypeError that says what is wrong.
 */
export function parseDelayText<O>(text: string, resolve: (overrides: O) => unknown): DelayPresetName | O {
  if (isDelayPreset(text)) return text;
  if (!text.trim().startsWith("{")) throw new TypeError(`must be one of instant, fast, realistic or a JSON object of per-step delays, got "${text}"`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`per-step delays must be a JSON object: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TypeError("per-step delays must be a JSON object");
  const overrides = value as O;
  resolve(overrides);
  return overrides;
}
