/**
 * The state file: the world snapshot as JSON (`format: "hyperplan-sim-xenserver"`, a version;
 * another version is refused naming both), written atomically (a temporary file in the same
 * directory, then rename) with mode 0600, and loaded at start so separate commands see the same
 * pool. The file mechanics are the simulators' shared kit (`../kit/state-file.ts`).
 */
import { readStateFile, writeStateFile } from "../kit/state-file.js";
import { World, type WorldOptions, type WorldSnapshot } from "./world.js";

export { SimStateError } from "../kit/state-file.js";

export async function saveWorld(world: World, file: string): Promise<void> {
  // The world holds session refs and whatever secrets objects were given: the file is owner only.
  await writeStateFile(file, world.snapshot());
}

/** Loads the world from `file`, or returns null when the file does not exist yet. */
export function loadWorld(file: string, options: WorldOptions): Promise<World | null> {
  return readStateFile(file, (snapshot) => World.fromSnapshot(snapshot as WorldSnapshot, options));
}
