// Entry of fixloop's worker threads: loads the entry module named in workerData. Compiled (dist/,
// `npm start`, the image) that is a .js file and nothing else is needed; from the TypeScript
// sources (tests, development) tsx is registered first — a Worker's execArgv cannot do this:
// `--import tsx` there does not apply to the worker's own entry module. tsx is a development
// dependency, so it is imported only in that case.
import { workerData } from "node:worker_threads";

if (workerData.entry.endsWith(".ts")) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(workerData.entry);
