/**
 * The state file: the world snapshot as JSON (`format: "hyperplan-sim-xenserver"`, a version;
 * another version is refused naming both), written atomically (a temporary file in the same
 * directory, then rename) with mode 0600, and loaded at start so separate commands see the same
 * pool.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { HyperplanError } from "../../errors";
import { World, type WorldOptions, type WorldSnapshot } from "./world";

export class SimStateError extends HyperplanError {
  constructor(summary: string, cause?: unknown) {
    super("SIM_STATE", summary, cause === undefined ? {} : { cause });
  }
}

export async function saveWorld(world: World, file: string): Promise<void> {
  const text = JSON.stringify(world.snapshot());
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // The world holds session refs and whatever secrets objects were given: owner only.
    await writeFile(temp, text, { encoding: "utf8", mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new SimStateError(`cannot write the simulator state file ${file}`, error);
  }
}

/** Loads the world from `file`, or returns null when the file does not exist yet. */
export async function loadWorld(file: string, options: WorldOptions): Promise<World | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SimStateError(`cannot read the simulator state file ${file}`, error);
  }
  let snapshot: WorldSnapshot;
  try {
    snapshot = JSON.parse(text) as WorldSnapshot;
  } catch (error) {
    throw new SimStateError(`the simulator state file ${file} is not valid JSON`, error);
  }
  try {
    return World.fromSnapshot(snapshot, options);
  } catch (error) {
    throw new SimStateError(`the simulator state file ${file} cannot be loaded: ${(error as Error).message}`, error);
  }
}
