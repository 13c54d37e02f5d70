// The verification's decision is pure: from the evidence to wait (and when to look again) or a
// verdict with its lifecycle decision. No store, no GitHub.

import { describe, expect, it } from "vitest";
import type { MergedRemediation } from "../../src/store/remediations.ts";
import type { CheckedItem, VerificationContext } from "../../src/verify/verification-text.ts";
import { type Evidence, planVerification } from "../../src/verify/verify-job.ts";

const NOW = Date.parse("2026-11-20T10:00:00.000Z");
const MINUTE = 60_000;
const item = (kind: CheckedItem["kind"], result: CheckedItem["result"], detail: string): CheckedItem => ({
  kind,
  result,
  checkedBy: kind === "ci" ? "GitHub checks" : "fixloop",
  observedAt: "2026-11-20T09:55:00.000Z",
  detail,
  links: {},
});
const context = { resource: "aws_s3_bucket.backups" } as VerificationContext;
const evidence = (over: Partial<Evidence>): Evidence => ({
  findingId: "f1",
  mode: "code",
  ci: { kind: "green", item: item("ci", "passed", "CI passed on 9f3c2a1"), reused: false },
  code: { item: item("code", "passed", "the rule passes on aws_s3_bucket.backups"), stillFailing: false },
  runtime: null,
  scanningNote: null,
  context,
  known: [],
  ...over,
});
const remediation = {
  prUrl: "https://github.com/acme/infra/pull/7",
  prNumber: 7,
  mergeCommitSha: "9f3c2a1",
  repository: "acme/infra",
  assignment: { team: "acme/platform", reviewers: ["octocat"] },
} as MergedRemediation;
const at = { now: NOW, overdue: false, remediation, repository: { owner: "acme", repo: "infra" } };

describe("planVerification", () => {
  it("waits for pending CI, half an hour — six hours once overdue — and stores nothing", () => {
    const pending = evidence({ ci: { kind: "pending", detail: "CI is running on 9f3c2a1" } });
    expect(planVerification(pending, at)).toEqual({
      kind: "waiting",
      fresh: [],
      result: { outcome: "waiting-ci", detail: "CI is running on 9f3c2a1", rescheduleAt: NOW + 30 * MINUTE },
    });
    expect(planVerification(pending, { ...at, overdue: true })).toMatchObject({
      result: { rescheduleAt: NOW + 6 * 60 * MINUTE },
    });
  });

  it("looks again in two minutes when the snapshot predates the merge", () => {
    expect(planVerification(evidence({ code: { stale: "the snapshot predates 9f3c2a1" } }), at)).toEqual({
      kind: "waiting",
      fresh: [],
      result: {
        outcome: "waiting-ci",
        detail: "the snapshot predates 9f3c2a1",
        rescheduleAt: NOW + 2 * MINUTE,
      },
    });
  });

  it("resolves on green CI and a passing code re-scan, storing only the rows not stored yet", () => {
    const known = [{ kind: "ci", result: "passed", detail: "CI passed on 9f3c2a1" }];
    const plan = planVerification(evidence({ known }), at);
    expect(plan.kind).toBe("verdict");
    if (plan.kind !== "verdict") return;
    expect(plan.fresh.map((f) => [f.kind, f.result, f.detail])).toEqual([
      ["code", "passed", "the rule passes on aws_s3_bucket.backups"],
    ]);
    expect(plan.decision).toMatchObject({
      verified: true,
      links: { pr: "https://github.com/acme/infra/pull/7", commit: "9f3c2a1" },
    });
    expect(plan.verdict).toMatchObject({
      kind: "verified",
      prNumber: 7,
      owners: ["acme/platform", "octocat"],
    });
  });

  it("reopens on red CI without a new fix", () => {
    const red = evidence({
      ci: { kind: "red", item: item("ci", "failed", "tests failed"), reused: false },
      code: null,
    });
    const plan = planVerification(red, at);
    expect(plan).toMatchObject({
      kind: "verdict",
      decision: { verified: false, reason: "tests failed", newFix: false },
    });
  });

  it("reopens for a new fix when the rule still fails in the merged code", () => {
    const code = { item: item("code", "failed", "the rule still fails"), stillFailing: true };
    expect(planVerification(evidence({ code }), at)).toMatchObject({
      decision: { verified: false, reason: "the rule still fails", newFix: true },
    });
  });
});
