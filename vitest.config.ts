import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: {
    alias: { hyperplan: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // The end-to-end files spend most of their time waiting on the simulators' lifecycle timers, not
    // on a core: four at once halve the suite's wall time on a 2-core machine.
    maxWorkers: 4,
  },
});
