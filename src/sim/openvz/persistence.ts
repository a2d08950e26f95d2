/**
 * The state file: the world snapshot as JSON (`format: "hyperplan-sim-openvz"`, a version; another
 * is refused naming both), written atomically with mode 0600 by the kit (`../kit/state-file.ts`)
 * and loaded at start so separate runs see the same panel. It holds no password: panel accounts
 * come from each run's options, root passwords only as salted digests.
 */
import { readStateFile, writeStateFile } from "../kit/state-file.js";
import { World, type WorldOptions, type WorldSnapshot } from "./world.js";

export { SimStateError } from "../kit/state-file.js";

export async function saveWorld(world: World, file: string): Promise<void> {
  await writeStateFile(file, world.snapshot());
}

export function loadWorld(file: string, options: WorldOptions): Promise<World | null> {
  return readStateFile(file, (snapshot) => World.fromSnapshot(snapshot as WorldSnapshot, options));
}
