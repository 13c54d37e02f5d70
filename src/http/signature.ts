// Authentication of `POST /api/orgs/:org/findings` (and the other /api routes): an HMAC-SHA256
// signature over the timestamp and the raw body, checked in constant time, with a bounded clock skew.
//
// What is signed, exactly (docs/http-api.md shows it with openssl):
//
//   HMAC-SHA256(key = secret as UTF-8 bytes,
//               message = ASCII(<X-Fixloop-Timestamp header value>) || "." || <raw request body bytes>)
//
// sent as `X-Fixloop-Signature-256: sha256=<64 hex digits>`. The timestamp is part of the message, so a
// captured signature is worth nothing with another timestamp, and the timestamp must be within
// `maxSkewSeconds` of the server's clock, so a captured request can be replayed only inside that window.
// The body is the bytes on the wire — never re-serialised JSON.

import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-fixloop-signature-256";
export const TIMESTAMP_HEADER = "x-fixloop-timestamp";
export const DEFAULT_MAX_SKEW_SECONDS = 300;

/** One shared secret, or several while rotating (a request signed with any one of them is accepted). */
export type Secret = string | Buffer;
export type Secrets = Secret | readonly Secret[];

/** Node's `IncomingHttpHeaders` (keys in lower case) or a plain object with any casing. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export type SignatureFailureCode =
  | "missing_timestamp"
  | "malformed_timestamp"
  | "missing_signature"
  | "malformed_signature"
  | "stale_timestamp"
  | "future_timestamp"
  | "signature_mismatch";

/** `reason` is safe to send to the client: it never contains a secret, an expected signature or a body. */
export type VerifyResult =
  | { ok: true }
  | { ok: false; status: 401; code: SignatureFailureCode; reason: string };

export interface VerifyRequestOptions {
  secret: Secrets;
  headers: RequestHeaders;
  /** The raw body exactly as received (a string is taken as its UTF-8 bytes). */
  body: Buffer | string;
  /** The server's clock, epoch milliseconds (as everywhere in fixloop). */
  now: number;
  maxSkewSeconds?: number;
}

const TIMESTAMP = /^[0-9]{1,12}$/;
const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** The reasons sent to clients, by failure code. */
export function failureReason(code: SignatureFailureCode, maxSkewSeconds = DEFAULT_MAX_SKEW_SECONDS): string {
  switch (code) {
    case "missing_timestamp":
      return "missing X-Fixloop-Timestamp header";
    case "malformed_timestamp":
      return "X-Fixloop-Timestamp must be a unix time in whole seconds (decimal digits only)";
    case "missing_signature":
      return "missing X-Fixloop-Signature-256 header";
    case "malformed_signature":
      return "X-Fixloop-Signature-256 must be sha256= followed by 64 hexadecimal digits";
    case "stale_timestamp":
      return `X-Fixloop-Timestamp is more than ${maxSkewSeconds} seconds in the past`;
    case "future_timestamp":
      return `X-Fixloop-Timestamp is more than ${maxSkewSeconds} seconds in the future`;
    case "signature_mismatch":
      return "signature does not match the timestamp and body";
  }
}

/**
 * The `X-Fixloop-Signature-256` header value (`sha256=<hex>`) for a body sent with this timestamp.
 * Used by tests and by clients written in TypeScript; the server only calls it through verifyRequest.
 */
export function signBody(secret: Secret, timestamp: number | string, body: Buffer | string): string {
  const ts = typeof timestamp === "number" ? String(timestamp) : timestamp;
  if (!TIMESTAMP.test(ts)) throw new RangeError("timestamp must be a unix time in whole seconds");
  return `sha256=${mac(checkedSecret(secret), ts, body).toString("hex")}`;
}

export function verifyRequest(options: VerifyRequestOptions): VerifyResult {
  const maxSkewSeconds = options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  if (!Number.isInteger(maxSkewSeconds) || maxSkewSeconds < 0) {
    throw new RangeError("maxSkewSeconds must be a non-negative integer");
  }
  // A misconfigured server (no secret, an empty one) is a 500 for the caller, never "anyone may sign".
  const secrets = (Array.isArray(options.secret) ? options.secret : [options.secret]) as readonly Secret[];
  if (secrets.length === 0) throw new TypeError("no signing secret configured");
  const keys = secrets.map(checkedSecret);

  const fail = (code: SignatureFailureCode): VerifyResult => ({
    ok: false,
    status: 401,
    code,
    reason: failureReason(code, maxSkewSeconds),
  });

  const timestamp = header(options.headers, TIMESTAMP_HEADER);
  if (timestamp === undefined) return fail("missing_timestamp");
  if (timestamp === null || !TIMESTAMP.test(timestamp)) return fail("malformed_timestamp");
  const signature = header(options.headers, SIGNATURE_HEADER);
  if (signature === undefined) return fail("missing_signature");
  const hex = signature === null ? undefined : SIGNATURE.exec(signature)?.[1];
  if (hex === undefined) return fail("malformed_signature");

  // Checked before the HMAC: cheap, and the reason tells a client with a wrong clock what is wrong.
  const age = Math.floor(options.now / 1000) - Number(timestamp);
  if (age > maxSkewSeconds) return fail("stale_timestamp");
  if (-age > maxSkewSeconds) return fail("future_timestamp");

  const given = Buffer.from(hex, "hex");
  // Every secret is tried, without stopping at the first match, so the time taken does not say which
  // secret of a rotation matched.
  let matched = false;
  for (const key of keys) {
    if (constantTimeEqual(given, mac(key, timestamp, options.body))) matched = true;
  }
  return matched ? { ok: true } : fail("signature_mismatch");
}

function mac(key: Buffer, timestamp: string, body: Buffer | string): Buffer {
  return createHmac("sha256", key)
    .update(`${timestamp}.`, "ascii")
    .update(typeof body === "string" ? Buffer.from(body, "utf8") : body)
    .digest();
}

/** crypto.timingSafeEqual throws on different lengths; here that is simply "not equal". */
function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkedSecret(secret: Secret): Buffer {
  const key = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
  if (!Buffer.isBuffer(key) || key.length === 0) throw new TypeError("signing secret must not be empty");
  return key;
}

/**
 * A header's single value; undefined when absent, null when it cannot be used as one value (sent
 * twice, which Node gives as an array or, for unknown headers, joined with ", ").
 */
function header(headers: RequestHeaders, name: string): string | null | undefined {
  let value = headers[name];
  if (value === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === name) {
        value = headers[key];
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  if (typeof value !== "string") return value.length === 1 ? value[0]! : null;
  return value.trim();
}
