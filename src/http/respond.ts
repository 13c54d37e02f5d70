// JSON responses for the /api routes.

import type { ServerResponse } from "node:http";

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue | undefined };

/**
 * Sends `value` as JSON with `Cache-Control: no-store` (answers carry findings and are per-request).
 * When the request body was not read to its end (413, or a 401 answered before reading), the
 * connection is closed after the answer instead of being kept alive with unread bytes on it.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: JsonValue,
  headers: Readonly<Record<string, string>> = {},
): void {
  const payload = Buffer.from(JSON.stringify(value), "utf8");
  res.statusCode = status;
  for (const [name, headerValue] of Object.entries(headers)) res.setHeader(name, headerValue);
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", payload.length);
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("X-Content-Type-Options", "nosniff");
  if (!res.req.complete) res.setHeader("Connection", "close");
  res.end(payload);
}

/** Errors are `{"error": reason}`; the reason must already be safe to show to the client. */
export function sendError(
  res: ServerResponse,
  status: number,
  reason: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(res, status, { error: reason }, headers);
}

/** A non-JSON answer with the same cache and sniffing rules as sendJson, and nothing allowed to load. */
export function sendText(
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string,
  headers: Readonly<Record<string, string>>,
): void {
  const payload = Buffer.from(text, "utf8");
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", payload.length);
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Content-Security-Policy", "default-src 'none'");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.end(payload);
}
