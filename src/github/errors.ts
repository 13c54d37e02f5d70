// GitHub's failures, mapped once (by the platform, src/github/octokit-platform.ts) to the few kinds
// fixloop's code acts on, in the manner of release-please's `GitHubAPIError`. Callers test
// `instanceof NotFound`, never an HTTP status. Each error keeps GitHub's own message and the HTTP
// status (for messages a person reads) and the original error as its cause.

import { rateLimitWait } from "./rate-limit.ts";

export class GitHubError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined, cause?: unknown) {
    super(message, { cause });
    this.name = new.target.name;
    this.status = status;
  }
}

/** 404 or 410: the repository, issue, team or user is not there (or fixloop may not see it). */
export class NotFound extends GitHubError {}

/** 403 that is not a rate limit, or 401: fixloop lacks the permission (or the token is bad). */
export class Forbidden extends GitHubError {}

/** 409, or 422 "already exists": the thing exists already, or the state moved under us. */
export class Conflict extends GitHubError {}

/** 422: GitHub refused the request's content (a reviewer who cannot review here, a bad sha…). */
export class Unprocessable extends GitHubError {}

/** GitHub said "slow down": try again at `resetAt` (epoch ms), not before. */
export class RateLimited extends GitHubError {
  readonly resetAt: number;
  constructor(message: string, status: number | undefined, resetAt: number, cause?: unknown) {
    super(message, status, cause);
    this.resetAt = resetAt;
  }
}

interface HttpLike {
  status?: unknown;
  message?: unknown;
  response?: { data?: { errors?: Array<{ code?: string }> } };
}

/** The typed error for an Octokit failure; anything that is not an HTTP answer passes unchanged. */
export function toGitHubError(error: unknown, now: number): unknown {
  if (error instanceof GitHubError) return error;
  const e = error as HttpLike;
  if (typeof e?.status !== "number") return error;
  const status = e.status;
  const message = typeof e.message === "string" ? e.message : `HTTP ${status}`;
  const wait = rateLimitWait(error, now);
  if (wait !== null) return new RateLimited(message, status, now + wait, error);
  if (status === 404 || status === 410) return new NotFound(message, status, error);
  if (status === 401 || status === 403) return new Forbidden(message, status, error);
  if (status === 409) return new Conflict(message, status, error);
  if (status === 422) {
    const exists = (e.response?.data?.errors ?? []).some((x) => x?.code === "already_exists");
    return exists || /already exists/i.test(message)
      ? new Conflict(message, status, error)
      : new Unprocessable(message, status, error);
  }
  return new GitHubError(message, status, error);
}

/** Runs a GitHub call, its failure mapped to a typed error. */
export async function mapped<T>(call: () => Promise<T>, now: () => number = Date.now): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toGitHubError(error, now());
  }
}

/** When to try again after `error` (epoch ms), or null when it is not a rate limit. */
export function retryAtOf(error: unknown, now: number): number | null {
  if (error instanceof RateLimited) return error.resetAt;
  const wait = rateLimitWait(error, now);
  return wait === null ? null : now + wait;
}
