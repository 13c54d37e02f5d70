// Entry of fixloop's worker threads: registers tsx (fixloop runs its TypeScript directly, with no
// build step) and loads the TypeScript entry named in workerData. A Worker's execArgv cannot do
// this: `--import tsx` there does not apply to the worker's own entry module.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
