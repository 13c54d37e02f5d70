import { describe, expect, it } from "vitest";
import { rateLimitWait } from "../../src/github/rate-limit.ts";

const now = Date.parse("2026-11-20T10:00:00Z");
const err = (status: number, headers: Record<string, string> = {}, message = "") => ({
  status,
  message,
  response: { headers },
});

describe("rateLimitWait", () => {
  it("honours retry-after (secondary limits)", () => {
    expect(
      rateLimitWait(err(403, { "retry-after": "30" }, "You have exceeded a secondary rate limit"), now),
    ).toBe(30_000);
  });
  it("waits for the reset of an exhausted primary limit", () => {
    const reset = String(now / 1000 + 120);
    expect(rateLimitWait(err(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset }), now)).toBe(
      121_000,
    );
  });
  it("waits a minute for a secondary limit without headers, and for a 429", () => {
    expect(rateLimitWait(err(403, {}, "You have exceeded a secondary rate limit."), now)).toBe(60_000);
    expect(rateLimitWait(err(429), now)).toBe(60_000);
  });
  it("a 403 for missing permissions is not a rate limit", () => {
    expect(
      rateLimitWait(
        err(403, { "x-ratelimit-remaining": "4999" }, "Resource not accessible by integration"),
        now,
      ),
    ).toBeNull();
    expect(rateLimitWait(new Error("boom"), now)).toBeNull();
  });
});
