// The remediation's decisions, without I/O: decideRemediation (what to do with a finding from what is
// known of it, asking for the next fact while it cannot tell) and decidePullRequest (refresh, wait
// for the open-PR limit, or open), the latter shared by the app and `fix --open-pr`.

import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG, parseRepoConfig, type RepoConfig } from "../../src/config/repo-config.ts";
import type { InstallationRepository } from "../../src/remediate/env.ts";
import type { PatchPlan } from "../../src/remediate/plan-fix.ts";
import { decidePullRequest, overLimit, prLimits } from "../../src/remediate/pr-delivery.ts";
import { decideRemediation, type RemediationFacts } from "../../src/remediate/remediate-job.ts";
import type { StoredFinding } from "../../src/store/findings.ts";
import type { Remediation } from "../../src/store/remediations.ts";

const REPO: InstallationRepository = { owner: "acme", repo: "infra", defaultBranch: "main", archived: false };

const finding = (state: StoredFinding["state"], extra: Partial<StoredFinding> = {}) =>
  ({
    id: "f1",
    state,
    org: "acme",
    installationId: 1,
    rule: { nativeId: "S3.8", catalogId: "aws-s3-public-access-block" },
    gate: { gate: "pr_after_approval", reason: "critical tier: a person approves first" },
    resource: {},
    context: {},
    ...extra,
  }) as unknown as StoredFinding;

const located = {
  cross: {
    kind: "located" as const,
    repository: { owner: "acme", repo: "infra" },
    location: {
      kind: "located",
      candidate: { file: "main.tf", resource: null },
      evidence: [],
      confidence: 1,
    },
    why: "tagged",
  },
  indexed: new Map(),
} as unknown as NonNullable<RemediationFacts["search"]>["where"];

const plan = (diff = "--- a/main.tf\n+++ b/main.tf\n@@\n-a\n+b\n") =>
  ({
    kind: "patch",
    files: [{ path: "main.tf", content: "b" }],
    diff,
    fixes: [{ ruleId: "aws-s3-public-access-block", summary: "block public access" }],
    impact: [],
    ruleIds: ["aws-s3-public-access-block"],
    target: { file: "main.tf", address: "aws_s3_bucket.b" },
    fingerprint: "fp1",
  }) as unknown as PatchPlan;

const ok = (config: RepoConfig = DEFAULT_REPO_CONFIG) => ({ ok: true as const, config });
const facts = (f: StoredFinding, more: Partial<RemediationFacts> = {}): RemediationFacts => ({
  mode: "remediate",
  finding: f,
  ...more,
});
const all = (f: StoredFinding, more: Partial<RemediationFacts> = {}) =>
  facts(f, {
    orgConfig: ok(),
    search: { repos: [REPO], where: located },
    repoConfig: ok(),
    plan: plan(),
    ...more,
  });

describe("decideRemediation", () => {
  it("asks for each fact in turn, then delivers", () => {
    const f = finding("fixing");
    expect(decideRemediation(facts(f))).toEqual({ kind: "need", fact: "org-config" });
    expect(decideRemediation(facts(f, { orgConfig: ok() }))).toEqual({ kind: "need", fact: "location" });
    const withRepo = facts(f, { orgConfig: ok(), search: { repos: [REPO], where: located } });
    expect(decideRemediation(withRepo)).toEqual({ kind: "need", fact: "repo-config" });
    expect(decideRemediation({ ...withRepo, repoConfig: ok() })).toEqual({ kind: "need", fact: "plan" });
    expect(decideRemediation(all(f))).toMatchObject({ kind: "deliver", repository: REPO, refix: null });
  });

  it("does nothing for a finding that is not actionable or has no organization", () => {
    expect(decideRemediation(facts(finding("resolved")))).toEqual({
      kind: "nothing-to-do",
      detail: "finding is resolved: no remediation",
    });
    expect(decideRemediation(facts(finding("fixing", { org: null })))).toMatchObject({
      kind: "nothing-to-do",
      detail: "finding has no organization (CLI ingest): the app does not act on it",
    });
  });

  it("reports an invalid configuration of the org's .github or of the repository", () => {
    const errors = [{ path: "grouping", message: "Invalid enum value" }];
    expect(decideRemediation(facts(finding("fixing"), { orgConfig: { ok: false, errors } }))).toEqual({
      kind: "invalid-config",
      repository: { owner: "acme", repo: ".github" },
      errors,
      org: true,
    });
    expect(decideRemediation(all(finding("fixing"), { repoConfig: { ok: false, errors } }))).toEqual({
      kind: "invalid-config",
      repository: { owner: "acme", repo: "infra" },
      errors,
      org: false,
    });
  });

  it("says why there is no PR: a rule disabled in the repository's fixloop.yml, before any plan", () => {
    const parsed = parseRepoConfig({ rules: { disabled: ["aws-s3-public-access-block"] } });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const decision = decideRemediation(all(finding("fixing"), { repoConfig: parsed, plan: undefined }));
    expect(decision).toMatchObject({
      kind: "no-pr",
      repository: { owner: "acme", repo: "infra" },
      reason: {
        kind: "not-fixable",
        detail: "rule aws-s3-public-access-block is disabled in acme/infra's fixloop.yml",
      },
    });
  });

  it("waits for approval with the proposed change, and a recheck never opens an issue", () => {
    const waiting = decideRemediation(all(finding("awaiting_approval")));
    expect(waiting).toMatchObject({
      kind: "no-pr",
      reason: { kind: "awaiting-approval", detail: "critical tier: a person approves first" },
      proposedChange: plan().diff,
    });
    const recheck = decideRemediation({
      ...all(finding("closed_unmerged")),
      mode: "recheck",
      plan: { kind: "no-patch", reason: "nothing to change" } as never,
    });
    expect(recheck).toEqual({ kind: "nothing-to-do", detail: "recheck: no new PR (nothing to change)" });
  });

  it("re-fixes a closed PR only when the fix changed", () => {
    const closed = { prUrl: "https://github.com/acme/infra/pull/7", diff: plan().diff } as Remediation;
    const base = { ...all(finding("closed_unmerged")), mode: "recheck" as const };
    expect(decideRemediation(base)).toEqual({ kind: "need", fact: "closed-pr" });
    expect(decideRemediation({ ...base, closed })).toMatchObject({
      kind: "nothing-to-do",
      detail: expect.stringContaining(
        "the fix is still the one https://github.com/acme/infra/pull/7 proposed",
      ),
    });
    const changed = decideRemediation({
      ...base,
      closed,
      plan: plan("--- a/main.tf\n+++ b/main.tf\n@@\n-a\n+c\n"),
    });
    expect(changed).toMatchObject({
      kind: "deliver",
      refix: {
        prUrl: "https://github.com/acme/infra/pull/7",
        reason:
          "the fix changed since https://github.com/acme/infra/pull/7 was closed without merge: aws-s3-public-access-block: block public access",
      },
    });
  });
});

describe("decidePullRequest", () => {
  const pr = { number: 7, url: "https://github.com/acme/infra/pull/7", branch: "fixloop/x" };
  const limits = { repository: 2, team: 1 };

  it("refreshes the open PR, with a new commit only when the fix changed", () => {
    const d = { existing: pr, resuming: false, counts: null, limits };
    expect(decidePullRequest({ ...d, changed: true })).toEqual({ kind: "update", pr, changed: true });
    expect(decidePullRequest({ ...d, changed: false })).toEqual({ kind: "update", pr, changed: false });
  });

  it("holds a new PR at the repository's, then the team's limit, but finishes a resumed one", () => {
    const d = { existing: null, changed: false, limits };
    expect(decidePullRequest({ ...d, resuming: false, counts: { repository: 2, team: 0 } })).toEqual({
      kind: "over-limit",
      scope: "repository",
      count: 2,
      limit: 2,
    });
    expect(decidePullRequest({ ...d, resuming: false, counts: { repository: 1, team: 1 } })).toEqual({
      kind: "over-limit",
      scope: "team",
      count: 1,
      limit: 1,
    });
    expect(decidePullRequest({ ...d, resuming: true, counts: { repository: 9, team: 9 } })).toEqual({
      kind: "open",
    });
    expect(decidePullRequest({ ...d, resuming: false, counts: { repository: 1, team: 0 } })).toEqual({
      kind: "open",
    });
  });

  it("takes a team's own limit from limits.teams, and none without a team", () => {
    const parsed = parseRepoConfig({ limits: { openPrsPerTeam: 3, teams: { "acme/payments": 1 } } });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(prLimits(parsed.config, "acme/payments").team).toBe(1);
    expect(prLimits(parsed.config, "acme/sre").team).toBe(3);
    expect(overLimit({ repository: 0, team: 50 }, prLimits(parsed.config, null))).toBeNull();
  });
});
