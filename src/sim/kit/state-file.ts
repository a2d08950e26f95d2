/**
 * A simulator's state file: one JSON value, written atomically (a temporary file in the same
 * directory, then rename, so a crash mid-write never leaves a torn file) with mode 0600 in a
 * directory created 0700 when missing, and read back at start so separate commands see the same
 * world. What the value means, and whether it is a world this simulator reads, is the caller's.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { HyperplanError } from "../../errors.js";

export class SimStateError extends HyperplanError {
  constructor(summary: string, cause?: unknown) {
    super("SIM_STATE", summary, cause === undefined ? {} : { cause });
  }
}

/** Writes `value` as JSON to `file`, atomically and readable by its owner only. */
export async function writeStateFile(file: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value);
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    // A state file named in a folder that does not exist yet (`.hyperplan/` beside a stack) gets it.
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // A world holds whatever secrets its objects were given (passwords, session refs): owner only.
    await writeFile(temp, text, { encoding: "utf8", mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new SimStateError(`cannot write the simulator state file ${file}`, error);
  }
}

/**
 * Reads `file` and rebuilds what it holds with `restore` (which throws, saying why, on a value it
 * cannot load); null when the file does not exist yet.
 */
export async function readStateFile<T>(file: string, restore: (snapshot: unknown) => T): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SimStateError(`cannot read the simulator state file ${file}`, error);
  }
  let snapshot: unknown;
  try {
    snapshot = JSON.parse(text);
  } catch (error) {
    throw new SimStateError(`the simulator state file ${file} is not valid JSON`, error);
  }
  try {
    return restore(snapshot);
  } catch (error) {
    throw new SimStateError(`the simulator state file ${file} cannot be loaded: ${(error as Error).message}`, error);
  }
}
