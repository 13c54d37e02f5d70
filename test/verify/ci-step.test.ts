// The verify job's CI step on the in-memory platform: what GitHub reports on the merge commit (check
// runs, statuses, the branch's required checks) becomes pending, red or green, in the words the
// check run and the PR comment show.

import { describe, expect, it } from "vitest";
import type { CheckRunReport } from "../../src/github/platform.ts";
import { CI_GRACE_MS, checkCi } from "../../src/verify/verify-steps.ts";
import { MemoryPlatform } from "../github/memory-platform.ts";

const SHA = "9f3c2a1b4d5e6f708192a3b4c5d6e7f8091a2b3c";
const MERGED = Date.parse("2026-11-20T10:00:00Z");
const at = {
  repository: { owner: "acme", repo: "infra" },
  sha: SHA,
  defaultBranch: "main",
  mergedAt: MERGED,
};
const run = (id: number, name: string, conclusion: string | null): CheckRunReport => ({
  id,
  name,
  status: conclusion === null ? "in_progress" : "completed",
  conclusion,
  html_url: `https://github.com/acme/infra/runs/${id}`,
  app: { id: 15368, slug: "github-actions" },
});

describe("checkCi through the platform", () => {
  it("waits while a check runs, and asks for the branch's required checks", async () => {
    const platform = new MemoryPlatform();
    platform.ci = {
      checkRuns: [run(1, "plan", "success"), run(2, "tfsec", null)],
      statuses: [],
      required: null,
    };
    const ci = await checkCi(platform, at, [], MERGED + 60_000);
    expect(ci).toEqual({
      kind: "pending",
      detail: "CI on the merge commit 9f3c2a1b4d5e is still running: tfsec",
    });
    expect(platform.calls).toEqual([{ op: "ciReports", args: [at.repository, SHA, "main"] }]);
  });

  it("is red with the failing checks, green with the required ones only", async () => {
    const platform = new MemoryPlatform();
    platform.ci = {
      checkRuns: [run(1, "plan", "failure"), run(2, "lint", "success")],
      statuses: [],
      required: null,
    };
    const red = await checkCi(platform, at, [], MERGED + 60_000);
    expect(red).toMatchObject({
      kind: "red",
      item: { result: "failed", detail: "CI failed on the merge commit 9f3c2a1b4d5e: plan" },
    });
    platform.ci = { ...platform.ci, required: ["lint"] };
    const green = await checkCi(platform, at, [], MERGED + 60_000);
    expect(green).toMatchObject({
      kind: "green",
      item: {
        result: "passed",
        detail: "1 check passed on the merge commit 9f3c2a1b4d5e (the branch's required checks): lint",
      },
    });
  });

  it("without any CI: pending for the grace period, then green saying so", async () => {
    const platform = new MemoryPlatform();
    expect((await checkCi(platform, at, [], MERGED + 60_000)).kind).toBe("pending");
    const after = await checkCi(platform, at, [], MERGED + CI_GRACE_MS);
    expect(after).toMatchObject({
      kind: "green",
      item: { detail: "no CI reported on the merge commit 9f3c2a1b4d5e within 15 minutes of the merge" },
    });
  });
});
