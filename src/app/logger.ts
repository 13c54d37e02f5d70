// The app's logger: Probot's own (pino through @probot/pino: LOG_LEVEL, LOG_FORMAT=json|pretty,
// SENTRY_DSN), plus redaction. Probot's HTTP logger writes each request with its headers; the
// metrics bearer token, API signatures, webhook signatures and cookies must never reach a log.

import { getTransformStream } from "@probot/pino";
import pino, { type Logger } from "pino";

export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-fixloop-signature"]',
  'req.headers["x-fixloop-signature-256"]',
  'req.headers["x-hub-signature"]',
  'req.headers["x-hub-signature-256"]',
  'res.headers["set-cookie"]',
];

export async function appLogger(
  env: NodeJS.ProcessEnv,
  destination: NodeJS.WritableStream = pino.destination(1) as unknown as NodeJS.WritableStream,
): Promise<Logger> {
  const transform = await getTransformStream({
    ...(env.LOG_FORMAT ? { logFormat: env.LOG_FORMAT as "json" | "pretty" } : {}),
    ...(env.LOG_LEVEL_IN_STRING === "true" ? { logLevelInString: true } : {}),
    ...(env.SENTRY_DSN ? { sentryDsn: env.SENTRY_DSN } : {}),
  });
  transform.pipe(destination);
  return pino(
    {
      level: env.LOG_LEVEL || "info",
      name: "probot",
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    transform,
  );
}
