// The app's logger: Probot's own (pino through @probot/pino: LOG_LEVEL, LOG_FORMAT=json|pretty,
// SENTRY_DSN), plus redaction. Probot's HTTP logger writes each request with its headers; the
// metrics bearer token, API signatures, webhook signatures and cookies must never reach a log.
//
// Nor may contents, at any level: at debug, Probot logs every GitHub request's body (a Terraform
// file in a tree or blob, a PR or issue body, a comment) and every webhook's payload (issue and
// comment text, a PR body). Those fields are replaced by their size and a short SHA-256 — enough to
// tell two payloads apart or match one to a request, nothing of the text itself.

import { createHash } from "node:crypto";
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

/**
 * Fields that carry text from a repository, a finding or a person, wherever they appear in a log
 * line's object: GitHub request bodies (`body`, `content`, `patch`, check-run `summary` and `text`),
 * webhook `payload`s, and our own names for file text (`source`, `diff`, `raw`). Error and commit
 * `message`s stay: they are one line of ours (a commit message names the finding's rule and resource).
 */
export const CONTENT_KEYS: ReadonlySet<string> = new Set([
  "body",
  "content",
  "payload",
  "patch",
  "diff",
  "source",
  "raw",
  "summary",
  "text",
]);

const MAX_DEPTH = 8;

/** `<N bytes, sha256 0123456789ab>` for a content value (text, or anything JSON). */
export function describeContent(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const bytes = Buffer.byteLength(text, "utf8");
  return `<${bytes} bytes, sha256 ${createHash("sha256").update(text).digest("hex").slice(0, 12)}>`;
}

/**
 * A copy of a log line's object with every content field described instead of written. Error
 * instances are left to pino's `err` serializer.
 */
export function withoutContents(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== "object" || value instanceof Error)
    return value;
  if (Array.isArray(value)) return value.map((v) => withoutContents(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      CONTENT_KEYS.has(key) &&
      v !== null &&
      v !== undefined &&
      typeof v !== "number" &&
      typeof v !== "boolean"
        ? describeContent(v)
        : withoutContents(v, depth + 1);
  }
  return out;
}

/**
 * A URL with the credentials the dashboard's URLs carry replaced: a share link's token
 * (`/share/<token>`) and the OAuth callback's `code` and `state`.
 */
export function scrubUrl(text: string): string {
  return text
    .replace(/\/share\/[A-Za-z0-9_-]+/g, "/share/[redacted]")
    .replace(/([?&](?:code|state)=)[^&#\s"]*/g, "$1[redacted]");
}

/** An object whose `req` (a request, or its serialized form) has its URL scrubbed. */
function withoutUrlSecrets<T extends Record<string, unknown>>(object: T): T {
  const req = object.req as { url?: unknown; originalUrl?: unknown } | undefined;
  if (!req || typeof req !== "object" || typeof req.url !== "string") return object;
  const urls = {
    url: scrubUrl(req.url),
    ...(typeof req.originalUrl === "string" ? { originalUrl: scrubUrl(req.originalUrl) } : {}),
  };
  // A request object stays as it is (the app still reads it): a view of it with the URL replaced.
  const plain = Object.getPrototypeOf(req) === Object.prototype;
  const view = plain ? { ...req, ...urls } : Object.assign(Object.create(req) as object, urls);
  return { ...object, req: view };
}

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
      // Applied to every line's object, at every level, in this logger and its children.
      formatters: {
        log: (object) => withoutContents(withoutUrlSecrets(object)) as Record<string, unknown>,
      },
      // Probot's HTTP logger binds each request to a child logger (its bindings are serialized
      // then, past the formatters): the URL is scrubbed in them as the child is made.
      onChild: (child) => {
        const bound = child as unknown as Record<symbol, unknown>;
        const chindings = bound[pino.symbols.chindingsSym];
        if (typeof chindings === "string") bound[pino.symbols.chindingsSym] = scrubUrl(chindings);
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === "string" ? scrubUrl(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    transform,
  );
}
