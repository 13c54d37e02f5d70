// Entry point of the GitHub Action (action.yml runs `node dist/action/main.js`).

import { runAction } from "./run-action.ts";

process.exitCode = await runAction(process.env, process.stdout);
