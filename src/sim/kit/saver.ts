/**
 * Keeping a running simulator's state file up to date: one write at a time, written again while
 * the world changed during a write, and nothing written when nothing changed since the last write
 * (the world counts its changes in `mutations`). Without a state file every call does nothing.
 */
export interface StateSaver {
  /** Writes the state file now (or joins the write under way and writes again after it). */
  save(): Promise<void>;
  /** Starts a write when the world changed since the last one; a failed write is a process warning. */
  saveIfChanged(): void;
  /** Resolves once no write is under way. */
  settled(): Promise<void>;
}

/**
 * `write` writes the world to `stateFile`; `warningPrefix` begins the warning of a failed
 * background write (`hyperplan OpenNebula simulator`).
 */
export function createStateSaver(world: { readonly mutations: number }, stateFile: string | undefined, write: (file: string) => Promise<void>, warningPrefix: string): StateSaver {
  let savedAt = stateFile ? -1 : world.mutations;
  let saving: Promise<void> | null = null;
  let again = false;
  const save = async (): Promise<void> => {
    if (!stateFile) return;
    if (saving) {
      again = true;
      return saving;
    }
    saving = (async () => {
      do {
        again = false;
        const at = world.mutations;
        await write(stateFile);
        savedAt = at;
      } while (again || savedAt !== world.mutations);
    })();
    try {
      await saving;
    } finally {
      saving = null;
    }
  };
  return {
    save,
    saveIfChanged: () => {
      if (stateFile && world.mutations !== savedAt) {
        save().catch((error: unknown) => process.emitWarning(`${warningPrefix}: ${(error as Error).message}`));
      }
    },
    settled: async () => {
      if (saving) await saving;
    },
  };
}
