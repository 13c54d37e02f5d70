// The one place a GitHub rate limit turns a job into "run again at GitHub's stated time", for every
// handler the app registers (remediate, recheck, regression, source-resolved, verify).

import { describe, expect, it } from "vitest";
import { RateLimited, toGitHubError } from "../../src/github/errors.ts";
import { waitingOutRateLimits } from "../../src/jobs/rate-limited.ts";
import type { JobContext } from "../../src/jobs/worker.ts";

const NOW = Date.parse("2026-11-20T10:00:00Z");
const ctx = { job: { id: 7, kind: "verify" } } as unknown as JobContext;
const httpError = (status: number, headers: Record<string, string>, message: string) =>
  Object.assign(new Error(message), { status, response: { headers } });

describe("waitingOutRateLimits", () => {
  it("sends a job that met a secondary limit back to the queue until retry-after, and says so", async () => {
    const warnings: Array<[Record<string, unknown>, string]> = [];
    const handler = waitingOutRateLimits(
      async () => {
        throw httpError(403, { "retry-after": "90" }, "You have exceeded a secondary rate limit");
      },
      () => NOW,
      { warn: (fields, message) => warnings.push([fields, message]) },
    );
    expect(await handler({ findingId: "f1" }, ctx)).toEqual({ rescheduleAt: NOW + 90_000 });
    expect(warnings).toEqual([
      [
        { job: "verify", jobId: 7, waitMs: 90_000 },
        "GitHub rate limit: the job waits in the queue until GitHub's stated time",
      ],
    ]);
  });

  it("passes a handler's outcome through, and rethrows what is not a rate limit", async () => {
    const log = { warn: () => {} };
    expect(
      await waitingOutRateLimits(
        async () => ({ rescheduleAt: 1 }),
        () => NOW,
        log,
      )(null, ctx),
    ).toEqual({
      rescheduleAt: 1,
    });
    const forbidden = waitingOutRateLimits(
      async () => {
        throw httpError(403, {}, "Resource not accessible by integration");
      },
      () => NOW,
      log,
    );
    await expect(forbidden(null, ctx)).rejects.toThrow("Resource not accessible by integration");
  });

  it("waits until the resetAt of the platform's RateLimited error", async () => {
    const mappedError = toGitHubError(
      httpError(
        403,
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 120) },
        "API rate limit exceeded",
      ),
      NOW,
    );
    expect(mappedError).toBeInstanceOf(RateLimited);
    expect((mappedError as RateLimited).resetAt).toBe(NOW + 121_000);
    const handler = waitingOutRateLimits(
      async () => {
        throw mappedError;
      },
      () => NOW + 1_000,
      { warn: () => {} },
    );
    expect(await handler(null, ctx)).toEqual({ rescheduleAt: NOW + 121_000 });
  });
});
