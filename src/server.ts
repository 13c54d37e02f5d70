// `npm start`: the GitHub App under Probot's server. Without APP_ID and PRIVATE_KEY Probot serves
// its setup flow (register the app from app.yml); WEBHOOK_PROXY_URL forwards webhooks from smee.io
// in development. The logger is Probot's, with secrets in request headers redacted.

import { run } from "probot";
import { appLogger } from "./app/logger.ts";
import { fixloopApp } from "./app.ts";

await run(fixloopApp(), { log: await appLogger(process.env) });
