// One outbound POST to a receiver (Slack, Teams, a signed webhook, Jira), with a timeout, a bounded
// response read, and errors that never carry the secret: Slack and Teams webhook URLs hold their
// token in the path, so an error names the destination by its environment variable, never its URL,
// and every message is passed through `redact` for the secrets it was given, in case a lower layer
// (undici) quoted one.

export const REQUEST_TIMEOUT_MS = 10_000;
/** What is read of a receiver's answer (enough for an error message or a Jira key). */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** The longest fixloop waits for a 429's Retry-After before it just backs off in the queue. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

export type Fetch = typeof fetch;

export interface OutboundRequest {
  method: "GET" | "POST" | "PUT";
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Names the receiver in errors and logs (e.g. `slack acme/data-platform (SLACK_WEBHOOK_DATA)`). */
  label: string;
  /** Strings that must never appear in an error: the URL, tokens, secrets. */
  secrets: readonly string[];
}

export interface OutboundResponse {
  status: number;
  text: string;
}

/** A receiver said "slow down": the job goes back to the queue until `retryAt` without failing. */
export class ReceiverBusy extends Error {
  readonly code = "RECEIVER_BUSY";
  constructor(
    label: string,
    readonly retryAt: number,
  ) {
    super(`${label}: the receiver answered 429 (too many requests); sending again after its Retry-After`);
    this.name = "ReceiverBusy";
  }
}

/** A receiver that failed: retried with backoff by the queue, `dead` after its attempts. */
export class DeliveryFailed extends Error {
  readonly code = "DELIVERY_FAILED";
  /** A 4xx other than 429 will not succeed by repeating the same request. */
  readonly permanent: boolean;
  constructor(message: string, permanent = false) {
    super(message);
    this.name = "DeliveryFailed";
    this.permanent = permanent;
  }
}

/** `text` with every secret (and its URL-encoded form) replaced by `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets)
    if (s.length >= 4)
      for (const form of new Set([s, encodeURIComponent(s), safeUrlPath(s)]))
        if (form && form.length >= 4) out = out.split(form).join("[redacted]");
  return out;
}

function safeUrlPath(s: string): string | undefined {
  try {
    const u = new URL(s);
    return u.pathname.length > 1 ? u.pathname : undefined;
  } catch {
    return undefined;
  }
}

export async function send(fetchFn: Fetch, req: OutboundRequest, now: number): Promise<OutboundResponse> {
  let res: Response;
  try {
    res = await fetchFn(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: "error",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new DeliveryFailed(redact(`${req.label}: ${networkReason(error)}`, req.secrets));
  }
  const text = redact(await boundedText(res), req.secrets);
  if (res.status === 429)
    throw new ReceiverBusy(req.label, now + retryAfterMs(res.headers.get("retry-after"), now));
  if (res.status >= 200 && res.status < 300) return { status: res.status, text };
  const permanent = res.status >= 400 && res.status < 500 && res.status !== 408;
  throw new DeliveryFailed(
    `${req.label}: the receiver answered ${res.status}${text ? `: ${oneLine(text).slice(0, 300)}` : ""}`,
    permanent,
  );
}

function networkReason(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string } };
  if (e?.name === "TimeoutError") return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const code = e?.cause?.code;
  return code ? `the request failed (${code})` : "the request failed (network error)";
}

async function boundedText(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_RESPONSE_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString("utf8");
}

/** Retry-After in seconds or as an HTTP date; a missing or odd one waits a minute. */
export function retryAfterMs(header: string | null, now: number): number {
  const value = header?.trim() ?? "";
  let ms = 60_000;
  if (/^[0-9]+$/.test(value)) ms = Number(value) * 1000;
  else if (value) {
    const at = Date.parse(value);
    if (!Number.isNaN(at)) ms = at - now;
  }
  return Math.min(Math.max(ms, 1_000), MAX_RETRY_AFTER_MS);
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
