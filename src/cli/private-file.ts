/**
 * Files that may hold secrets (a saved plan carries the declaration's passwords, which apply sets):
 * readable and writable by their owner only, whether the file is new or overwritten. `writeFile`'s
 * mode applies only to a file it creates, so an existing file is made private before a byte of the new
 * content is written into it.
 */
import { open } from "node:fs/promises";

export async function writePrivateFile(path: string, text: string): Promise<void> {
  const handle = await open(path, "w", 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(text, "utf8");
  } finally {
    await handle.close();
  }
}
