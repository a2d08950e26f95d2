/**
 * The state file: the world snapshot as JSON (`format: "hyperplan-sim-gandi"`, a version; another
 * is refused naming both), written atomically with mode 0600 by the kit (`../kit/state-file.ts`)
 * and loaded at start so separate commands see the same account.
 */
import { readStateFile, writeStateFile } from "../kit/state-file.js";
import { World, type WorldOptions, type WorldSnapshot } from "./world.js";

export { SimStateError } from "../kit/state-file.js";

export async function saveWorld(world: World, file: string): Promise<void> {
  // The world holds the account's password and live session ids: the file is owner only.
  await writeStateFile(file, world.snapshot());
}

export function loadWorld(file: string, options: WorldOptions): Promise<World | null> {
  return readStateFile(file, (snapshot) => World.fromSnapshot(snapshot as WorldSnapshot, options));
}
