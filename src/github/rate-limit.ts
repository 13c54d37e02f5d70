// When GitHub says "slow down". Octokit's throttling plugin already waits out primary limits; what
// reaches a job is a secondary (abuse) limit Probot does not retry, or a primary one it gave up on.
// The job then goes back to the queue until GitHub's stated time — its progress is saved, so the
// next run resumes — instead of burning an attempt and hammering the API with retries.

/** GitHub's advice when none is given: wait at least a minute before retrying (REST docs, "Rate limits"). */
const DEFAULT_WAIT_MS = 60_000;

interface HttpError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** How long to wait before retrying after `error`, or null when it is not a rate limit. */
export function rateLimitWait(error: unknown, now: number): number | null {
  const e = error as HttpError;
  if (e?.status !== 403 && e?.status !== 429) return null;
  const headers = e.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
  if (String(headers["x-ratelimit-remaining"]) === "0") {
    const reset = Number(headers["x-ratelimit-reset"]) * 1000;
    if (Number.isFinite(reset) && reset > now) return reset - now + 1000;
    return DEFAULT_WAIT_MS;
  }
  if (e.status === 429 || /rate limit/i.test(e.message ?? "")) return DEFAULT_WAIT_MS;
  return null; // a 403 that is a permission problem
}
