// Reading a request body for the /api routes: the raw bytes (the signature is over them), bounded, then
// JSON. No framework; works on any Node `IncomingMessage` that nothing has read yet.

import type { IncomingMessage } from "node:http";

export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export type ReadBodyResult =
  | { ok: true; body: Buffer }
  | { ok: false; status: 413; reason: string }
  | { ok: false; status: 400; reason: string };

export type ParseJsonResult = { ok: true; value: unknown } | { ok: false; status: 400; reason: string };

export interface ReadBodyOptions {
  /** Largest accepted body in bytes (inclusive). */
  limitBytes?: number;
}

/**
 * Reads the whole body into one Buffer. Answers 413 without reading anything when Content-Length is
 * over the limit, and as soon as the bytes read so far exceed it otherwise (chunked uploads); the rest
 * of the request is then left unread, so the response should close the connection (respond.ts does
 * when the request is incomplete).
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions = {}): Promise<ReadBodyResult> {
  const limit = options.limitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError("limitBytes must be a non-negative integer");
  if (req.readableDidRead || req.readableEnded) throw new Error("the request body has already been read");
  const tooLarge = { ok: false, status: 413, reason: `request body is larger than ${limit} bytes` } as const;

  // Node's parser has already rejected a malformed Content-Length, or one next to Transfer-Encoding.
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve(tooLarge);

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (result: ReadBodyResult) => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("close", onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        chunks.length = 0;
        req.pause();
        settle(tooLarge);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle({ ok: true, body: Buffer.concat(chunks, received) });
    // The client went away (or the socket failed) before the end of the body: nobody will read the
    // answer, but the caller still gets a result rather than a promise that never settles.
    const onAbort = () =>
      settle({ ok: false, status: 400, reason: "request body was not received completely" });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAbort);
    req.on("close", onAbort);
  });
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const MAX_REASON_LENGTH = 300;

/**
 * JSON.parse of a UTF-8 body (a leading byte order mark is ignored, as RFC 8259 allows). The 400 reason
 * is the parser's own message — with the position when V8 gives one ("… in JSON at position 6"),
 * otherwise with V8's short excerpt of the body around the error.
 */
export function parseJsonBody(body: Buffer): ParseJsonResult {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, status: 400, reason: "request body is not valid UTF-8" };
  }
  if (text.trim() === "") return { ok: false, status: 400, reason: "request body is empty; expected JSON" };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = `request body is not valid JSON: ${message}`;
    return {
      ok: false,
      status: 400,
      reason: reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason,
    };
  }
}
