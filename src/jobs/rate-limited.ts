// Every job that talks to GitHub can meet a rate limit Octokit did not wait out (a secondary limit
// Probot does not retry, or a primary one it gave up on). Such a job goes back to the queue until
// GitHub's stated time — its progress and priority kept, no attempt spent — instead of failing and
// retrying on its own backoff, which would hammer the API. One wrapper, so every handler the app
// registers gets the same treatment rather than each catching it in its own way. The platform maps
// the failure to RateLimited{resetAt} (src/github/errors.ts); what reached GitHub another way (git,
// Probot's config plugin) is read from its headers the same way.

import { retryAtOf } from "../github/errors.ts";
import type { JobHandler } from "./worker.ts";

interface WarnLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export function waitingOutRateLimits(handler: JobHandler, now: () => number, log: WarnLog): JobHandler {
  return async (payload, ctx) => {
    try {
      return await handler(payload, ctx);
    } catch (error) {
      const at = retryAtOf(error, now());
      if (at === null) throw error;
      const wait = Math.max(0, at - now());
      log.warn(
        { job: ctx.job.kind, jobId: ctx.job.id, waitMs: wait },
        "GitHub rate limit: the job waits in the queue until GitHub's stated time",
      );
      return { rescheduleAt: at };
    }
  };
}
