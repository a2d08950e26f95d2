/**
 * Peak resident set size of this process over a window, sampled every 5 ms from a worker thread (so
 * it is sampled while the main thread is busy). `process.resourceUsage().maxRSS` cannot do this: it is
 * the peak of the whole process's life, earlier scenarios included.
 */
import { Worker } from "node:worker_threads";

const SAMPLER = `
const { workerData } = require("node:worker_threads");
const peak = new Int32Array(workerData);
setInterval(() => {
  const kb = Math.round(process.memoryUsage.rss() / 1024);
  if (kb > Atomics.load(peak, 0)) Atomics.store(peak, 0, kb);
}, 5);
`;

export interface RssWindow {
  /** The highest resident set size seen since the window opened, in MB. */
  peakMB(): number;
  close(): Promise<void>;
}

export function openRssWindow(): RssWindow {
  const shared = new SharedArrayBuffer(4);
  const peak = new Int32Array(shared);
  Atomics.store(peak, 0, Math.round(process.memoryUsage.rss() / 1024));
  const worker = new Worker(SAMPLER, { eval: true, workerData: shared, execArgv: [] });
  worker.unref();
  return {
    peakMB: () => Math.round(Math.max(Atomics.load(peak, 0), process.memoryUsage.rss() / 1024) / 1024),
    close: async () => void (await worker.terminate()),
  };
}
