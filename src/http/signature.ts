// Authentication of the /api routes: an HMAC-SHA256 signature over the request — timestamp, method,
// path, query and a hash of the body — checked in constant time, with a bounded clock skew, and
// accepted once (./replay.ts remembers every signature accepted within the skew window).
//
// What is signed, exactly (docs/http-api.md shows it with openssl):
//
//   v2: X-Fixloop-Signature: v2=<64 hex digits of>
//       HMAC-SHA256(key = secret as UTF-8 bytes, message =
//         "v2" LF <X-Fixloop-Timestamp value> LF <METHOD> LF <path> LF <query> LF <hex SHA-256 of the body>)
//
// where path and query are the request target exactly as sent, split at the first "?" (query is
// empty without one): no decoding, no reordering, so a client signs the bytes it puts on the wire
// and a captured signature is worth nothing for another organization's path, another query
// (`?complete=true`), another method or another body.
//
//   v1 (deprecated): X-Fixloop-Signature-256: sha256=<hex of HMAC(secret, <timestamp> "." <body>)>
//
// v1 names neither path nor query, so a captured v1 request could be sent to another organization or
// with `?complete=true` added (which marks findings absent from the document as passing). It is
// accepted only for a POST without a query string — the one request the v1 documentation showed —
// once, and each use is logged as deprecated; every other request needs v2.

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { SeenSignatures } from "./replay.ts";

export const SIGNATURE_HEADER = "x-fixloop-signature";
export const V1_SIGNATURE_HEADER = "x-fixloop-signature-256";
export const TIMESTAMP_HEADER = "x-fixloop-timestamp";
export const DEFAULT_MAX_SKEW_SECONDS = 300;

/** One shared secret, or several while rotating (a request signed with any one of them is accepted). */
export type Secret = string | Buffer;
export type Secrets = Secret | readonly Secret[];

/** Node's `IncomingHttpHeaders` (keys in lower case) or a plain object with any casing. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export type SignatureScheme = "v1" | "v2";

export type SignatureFailureCode =
  | "missing_timestamp"
  | "malformed_timestamp"
  | "missing_signature"
  | "malformed_signature"
  | "malformed_v1_signature"
  | "v1_not_allowed"
  | "stale_timestamp"
  | "future_timestamp"
  | "signature_mismatch"
  | "v1_signature_mismatch"
  | "replayed"
  | "too_many_signatures";

/** `reason` is safe to send to the client: it never contains a secret, an expected signature or a body. */
export type VerifyResult =
  | { ok: true; scheme: SignatureScheme }
  | { ok: false; status: 401 | 503; code: SignatureFailureCode; reason: string };

/** What is known of a request before its body is read. */
export interface SignedRequest {
  headers: RequestHeaders;
  method: string;
  /** The request target as received (`req.url`): the path and the query, undecoded. */
  target: string;
}

export interface VerifyRequestOptions extends SignedRequest {
  secret: Secrets;
  /** The raw body exactly as received (a string is taken as its UTF-8 bytes). */
  body: Buffer | string;
  /** The server's clock, epoch milliseconds (as everywhere in fixloop). */
  now: number;
  maxSkewSeconds?: number;
  /** The signatures already accepted: a second use of one is refused. */
  seen: SeenSignatures;
}

const TIMESTAMP = /^[0-9]{1,12}$/;
const V2_SIGNATURE = /^v2=([0-9a-fA-F]{64})$/;
const V1_SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** The reasons sent to clients, by failure code. */
export function failureReason(code: SignatureFailureCode, maxSkewSeconds = DEFAULT_MAX_SKEW_SECONDS): string {
  switch (code) {
    case "missing_timestamp":
      return "missing X-Fixloop-Timestamp header";
    case "malformed_timestamp":
      return "X-Fixloop-Timestamp must be a unix time in whole seconds (decimal digits only)";
    case "missing_signature":
      return "missing X-Fixloop-Signature header";
    case "malformed_signature":
      return "X-Fixloop-Signature must be v2= followed by 64 hexadecimal digits";
    case "malformed_v1_signature":
      return "X-Fixloop-Signature-256 must be sha256= followed by 64 hexadecimal digits";
    case "v1_not_allowed":
      return "the deprecated v1 signature (X-Fixloop-Signature-256) is accepted only for a POST without a query string; sign this request with v2 (X-Fixloop-Signature)";
    case "stale_timestamp":
      return `X-Fixloop-Timestamp is more than ${maxSkewSeconds} seconds in the past`;
    case "future_timestamp":
      return `X-Fixloop-Timestamp is more than ${maxSkewSeconds} seconds in the future`;
    case "signature_mismatch":
      return "signature does not match the request (timestamp, method, path, query and body)";
    case "v1_signature_mismatch":
      return "signature does not match the timestamp and body";
    case "replayed":
      return "this signature was already used: a signed request is accepted once; sign it again with a new timestamp";
    case "too_many_signatures":
      return "too many signed requests in the last minutes; try again later";
  }
}

/** The v2 message: what a client signs, byte for byte. */
export function v2Message(timestamp: string, method: string, target: string, body: Buffer | string): string {
  const at = target.indexOf("?");
  const path = at === -1 ? target : target.slice(0, at);
  const query = at === -1 ? "" : target.slice(at + 1);
  const bodyHash = createHash("sha256")
    .update(typeof body === "string" ? Buffer.from(body, "utf8") : body)
    .digest("hex");
  return ["v2", timestamp, method, path, query, bodyHash].join("\n");
}

/**
 * The headers that sign a request with v2: `X-Fixloop-Timestamp` and `X-Fixloop-Signature`. For tests
 * and clients written in TypeScript; the server only calls it through verifyRequest.
 */
export function signRequest(
  secret: Secret,
  request: { timestamp: number | string; method: string; target: string; body: Buffer | string },
): Record<"x-fixloop-timestamp" | "x-fixloop-signature", string> {
  const ts = checkedTimestamp(request.timestamp);
  const message = v2Message(ts, request.method, request.target, request.body);
  const hex = createHmac("sha256", checkedSecret(secret)).update(message, "utf8").digest("hex");
  return { "x-fixloop-timestamp": ts, "x-fixloop-signature": `v2=${hex}` };
}

/** The deprecated v1 `X-Fixloop-Signature-256` value (`sha256=<hex>`) for a body sent with this timestamp. */
export function signBody(secret: Secret, timestamp: number | string, body: Buffer | string): string {
  return `sha256=${v1Mac(checkedSecret(secret), checkedTimestamp(timestamp), body).toString("hex")}`;
}

type Precheck =
  | { ok: true; scheme: SignatureScheme; timestamp: string; given: Buffer }
  | { ok: false; code: SignatureFailureCode };

/**
 * Everything that can be checked before the body is read: the headers are there and well formed,
 * the scheme is allowed for this request, the timestamp is within the skew. Lets the server refuse an
 * unsigned or stale request without buffering its body.
 */
export function precheckRequest(request: SignedRequest, now: number, maxSkewSeconds: number): Precheck {
  const timestamp = header(request.headers, TIMESTAMP_HEADER);
  if (timestamp === undefined) return { ok: false, code: "missing_timestamp" };
  if (timestamp === null || !TIMESTAMP.test(timestamp)) return { ok: false, code: "malformed_timestamp" };

  let scheme: SignatureScheme = "v2";
  let value = header(request.headers, SIGNATURE_HEADER);
  if (value === undefined && header(request.headers, V1_SIGNATURE_HEADER) !== undefined) {
    scheme = "v1";
    value = header(request.headers, V1_SIGNATURE_HEADER);
  }
  if (value === undefined) return { ok: false, code: "missing_signature" };
  const hex = value === null ? undefined : (scheme === "v2" ? V2_SIGNATURE : V1_SIGNATURE).exec(value)?.[1];
  if (hex === undefined)
    return { ok: false, code: scheme === "v2" ? "malformed_signature" : "malformed_v1_signature" };
  if (scheme === "v1" && (request.method !== "POST" || request.target.includes("?")))
    return { ok: false, code: "v1_not_allowed" };

  // Checked before the HMAC: cheap, and the reason tells a client with a wrong clock what is wrong.
  const age = Math.floor(now / 1000) - Number(timestamp);
  if (age > maxSkewSeconds) return { ok: false, code: "stale_timestamp" };
  if (-age > maxSkewSeconds) return { ok: false, code: "future_timestamp" };
  return { ok: true, scheme, timestamp, given: Buffer.from(hex, "hex") };
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
    status: code === "too_many_signatures" ? 503 : 401,
    code,
    reason: failureReason(code, maxSkewSeconds),
  });

  const pre = precheckRequest(options, options.now, maxSkewSeconds);
  if (!pre.ok) return fail(pre.code);
  const { scheme, timestamp, given } = pre;
  const message =
    scheme === "v2" ? Buffer.from(v2Message(timestamp, options.method, options.target, options.body)) : null;
  // Every secret is tried, without stopping at the first match, so the time taken does not say which
  // secret of a rotation matched.
  let matched = false;
  for (const key of keys) {
    const expected =
      message === null
        ? v1Mac(key, timestamp, options.body)
        : createHmac("sha256", key).update(message).digest();
    if (constantTimeEqual(given, expected)) matched = true;
  }
  if (!matched) return fail(scheme === "v2" ? "signature_mismatch" : "v1_signature_mismatch");

  // Remembered until the timestamp leaves the window, after which the skew check refuses it anyway.
  const until = (Number(timestamp) + maxSkewSeconds + 1) * 1000;
  const use = options.seen.firstUse(`${scheme}:${given.toString("hex")}`, until, options.now);
  if (use === "replay") return fail("replayed");
  if (use === "full") return fail("too_many_signatures");
  return { ok: true, scheme };
}

function v1Mac(key: Buffer, timestamp: string, body: Buffer | string): Buffer {
  return createHmac("sha256", key)
    .update(`${timestamp}.`, "ascii")
    .update(typeof body === "string" ? Buffer.from(body, "utf8") : body)
    .digest();
}

function checkedTimestamp(timestamp: number | string): string {
  const ts = typeof timestamp === "number" ? String(timestamp) : timestamp;
  if (!TIMESTAMP.test(ts)) throw new RangeError("timestamp must be a unix time in whole seconds");
  return ts;
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
