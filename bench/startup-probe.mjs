// Preloaded (`node --import`) into every start-up run: at exit, the process's peak RSS (and CPU
// time, user + system, all threads) goes to fd 3.
import { writeSync } from "node:fs";

process.on("exit", () => {
  try {
    const u = process.resourceUsage();
    writeSync(3, `${JSON.stringify({ maxRssKb: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime })}\n`);
  } catch {
    // fd 3 is not open when the probe is used by hand
  }
});
