// `npm start`: the GitHub App under Probot's server. Without APP_ID and PRIVATE_KEY it serves
// Probot's setup flow (register the app from app.yml; src/setup-mode.ts), with /healthz;
// WEBHOOK_PROXY_URL forwards webhooks from smee.io in development. The logger is Probot's, with
// secrets in request headers redacted.

import { existsSync, readdirSync } from "node:fs";
import { appLogger } from "./app/logger.ts";
import { inSetupMode, runSetup } from "./setup-mode.ts";

// Probot reads .env itself, but the setup decision is made before Probot runs.
if (existsSync(".env")) process.loadEnvFile(".env");
const log = await appLogger(process.env);
const url = `http://localhost:${Number(process.env.PORT) || 3000}`;
if (
  inSetupMode(
    process.env,
    readdirSync(".").some((f) => f.endsWith(".pem")),
  )
) {
  await runSetup(process.env, log);
  log.info(`fixloop is in setup mode at ${url} (GET /healthz answers); stop with Ctrl-C`);
} else {
  const [{ run }, { fixloopApp }] = await Promise.all([import("probot"), import("./app.ts")]);
  await run(fixloopApp(), { log });
  log.info(`fixloop is running at ${url}; stop with Ctrl-C`);
}
