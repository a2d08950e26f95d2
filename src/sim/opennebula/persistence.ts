/**
 * The state file: the world snapshot as JSON, written atomically (temporary file in the same
 * directory, then rename) so a crash mid-write never leaves a torn file, and loaded at start so
 * separate commands see the same pools. The file mechanics are the simulators' shared kit
 * (`../kit/state-file.ts`).
 */
import { readStateFile, writeStateFile } from "../kit/state-file.js";
import { World, type WorldOptions, type WorldSnapshot } from "./world.js";

export { SimStateError } from "../kit/state-file.js";

export async function saveWorld(world: World, file: string): Promise<void> {
  // The world holds whatever secrets its objects were given (context passwords): the file is owner only.
  await writeStateFile(file, world.snapshot());
}

/** Loads the world from `file`, or returns null when the file does not exist yet. */
export function loadWorld(file: string, options: WorldOptions): Promise<World | null> {
  return readStateFile(file, (snapshot) => World.fromSnapshot(snapshot as WorldSnapshot, options));
}
