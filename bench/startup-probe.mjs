// Preloaded (`node --import`) into every start-up run: at exit, the process's peak RSS (and CPU
// time, user + system, all threads) goes to fd 3.
import { writeSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

// A worker (a large `fixloop scan` runs in one) preloads this too: only the process's own exit
// reports, once, with the usage of every thread.
process.on("exit", () => {
  if (!isMainThread) return;
  try {
    const u = process.resourceUsage();
    writeSync(3, `${JSON.stringify({ maxRssKb: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime })}\n`);
  } catch {
    // fd 3 is not open when the probe is used by hand
  }
});
