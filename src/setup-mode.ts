// `npm start` before the app is registered: Probot's setup flow (register the app from app.yml),
// served the way Probot's own `run` serves it, plus what `run` cannot add: GET /healthz (a
// container's HEALTHCHECK must pass while someone registers the app) and a smee.io channel only
// when smee.io answers — offline, one line says webhooks need a channel later, instead of
// Probot's "try restarting your server".

import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";

/** Probot's own condition for its setup flow: not production, and no app id or no private key. */
export function inSetupMode(env: NodeJS.ProcessEnv, hasPemFile: boolean): boolean {
  if (env.NODE_ENV === "production") return false;
  return !env.APP_ID || !(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH || hasPemFile);
}

export function setupHealthz(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== "GET" || req.url?.split("?")[0] !== "/healthz") return false;
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      status: "setup",
      message: "register the app at / (APP_ID and PRIVATE_KEY are not set)",
    }),
  );
  return true;
}

type CreateChannel = () => Promise<string>;

/**
 * The smee.io channel Probot's setup would create, created first here with a time limit. Returns
 * a SmeeClient stand-in that hands Probot that channel (Probot writes it to .env), or undefined
 * after telling the user why there is none (and telling Probot not to try).
 */
export async function smeeForSetup(
  env: NodeJS.ProcessEnv,
  create: CreateChannel,
  log: Pick<Logger, "info">,
  timeoutMs = 5000,
): Promise<{ createChannel: CreateChannel } | undefined> {
  if (env.WEBHOOK_PROXY_URL || env.NO_SMEE_SETUP === "true") return undefined;
  const channel = await Promise.race([
    create().catch(() => undefined),
    sleep(timeoutMs, undefined, { ref: false }),
  ]);
  if (channel) return { createChannel: async () => channel };
  env.NO_SMEE_SETUP = "true";
  log.info(
    "smee.io did not answer, so no webhook channel was created. The setup page works without one; " +
      "to receive webhooks on this machine later, put a https://smee.io channel in WEBHOOK_PROXY_URL.",
  );
  return undefined;
}

/** Probot's setup flow on PORT, with /healthz. */
export async function runSetup(env: NodeJS.ProcessEnv, log: Logger): Promise<void> {
  const { Probot, Server } = await import("probot");
  // Not in probot's exports map; the same module Probot's `run` uses for its setup mode.
  const { setupAppFactory } = await import(new URL("./apps/setup.js", import.meta.resolve("probot")).href);
  const { SmeeClient } = await import("smee-client");
  const smee = await smeeForSetup(env, () => SmeeClient.createChannel(), log);
  const server = new Server({
    host: env.HOST || "localhost",
    port: Number(env.PORT) || 3000,
    log: log.child({ name: "server" }),
    Probot: Probot.defaults({ log, appId: 1, privateKey: "dummy value for setup, see probot#1512" }),
  });
  await server.loadHandlerFactory(
    setupAppFactory({
      host: server.host,
      port: server.port,
      log: log.child({ name: "setup" }),
      SmeeClient: smee,
    }),
  );
  server.addHandler(setupHealthz);
  await server.start();
}
