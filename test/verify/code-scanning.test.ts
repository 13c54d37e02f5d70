import { Octokit } from "@octokit/rest";
import { afterEach, describe, expect, it } from "vitest";
import { OctokitPlatform } from "../../src/github/octokit-platform.ts";
import { persistFindings } from "../../src/ingest/persist.ts";
import type { TriagedFinding } from "../../src/ingest/triage-finding.ts";
import { changeState } from "../../src/lifecycle/change-state.ts";
import type { FindingState } from "../../src/lifecycle/machine.ts";
import { auditTrail } from "../../src/store/audit.ts";
import { getFinding } from "../../src/store/findings.ts";
import { recordRemediation } from "../../src/store/remediations.ts";
import { verificationsOf } from "../../src/store/verifications.ts";
import {
  type CodeScanningFinding,
  codeScanningApplies,
  codeScanningCheck,
} from "../../src/verify/code-scanning.ts";
import { verifyFinding } from "../../src/verify/verify-job.ts";
import { type MockGitHub, useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";
import { readFixture, triage } from "../store/helpers.ts";
import { disposeMerged, INSTALLATION, MERGE_SHA, type Merged, mergedFix, ORG, REPO, s38 } from "./setup.ts";

const kit = useMockGitHub();
let merged: Merged | undefined;
afterEach(async () => {
  await disposeMerged(merged);
  merged = undefined;
});

const R = `/repos/${ORG}/${REPO}`;
const ALERTS = `${R}/code-scanning/alerts?ref=refs/heads/main&tool_name=Checkov&per_page=100`;
const ANALYSES = `${R}/code-scanning/analyses?ref=refs/heads/main&tool_name=Checkov&per_page=100`;
const MERGED_AT = Date.parse("2026-11-20T11:00:00.000Z");
const NOW = Date.parse("2026-11-20T13:00:00.000Z");
const CATEGORY = ".github/workflows/checkov.yml:scan";

/** The first finding of a real SARIF report, in the shape the verify step hands over. */
function sarifFinding(fixture: string, index = 0): CodeScanningFinding & { formats: string[] } {
  const t = triage(readFixture(`sarif/${fixture}`))[index] as TriagedFinding;
  const f = t.finding;
  return {
    id: t.dedupeKey,
    tool: f.source.tool,
    rule: f.rule,
    resource: f.resource,
    formats: [f.source.format],
  };
}

/** An alert as GitHub's "List code scanning alerts for a repository" documents it (code-scanning-alert-items). */
function alert(o: {
  number: number;
  state: "open" | "fixed" | "dismissed";
  rule: string;
  path: string;
  line: number;
  message: string;
  fixedAt?: string;
}) {
  return {
    number: o.number,
    created_at: "2026-11-02T08:14:03Z",
    updated_at: o.fixedAt ?? "2026-11-02T08:14:03Z",
    url: `https://api.github.com/repos/${ORG}/${REPO}/code-scanning/alerts/${o.number}`,
    html_url: `https://github.com/${ORG}/${REPO}/security/code-scanning/${o.number}`,
    state: o.state,
    fixed_at: o.fixedAt ?? null,
    dismissed_by: null,
    dismissed_at: null,
    dismissed_reason: null,
    dismissed_comment: null,
    rule: { id: o.rule, severity: "error", tags: ["security"], description: o.message, name: o.rule },
    tool: { name: "Checkov", guid: null, version: "3.2.495" },
    most_recent_instance: {
      ref: "refs/heads/main",
      analysis_key: CATEGORY,
      category: CATEGORY,
      environment: "{}",
      state: o.state,
      commit_sha: "4b6f0a2c9e1d3f5a7b8c9d0e1f2a3b4c5d6e7f80",
      message: { text: o.message },
      location: { path: o.path, start_line: o.line, end_line: o.line + 33, start_column: 1, end_column: 2 },
      classifications: [],
    },
    instances_url: `https://api.github.com/repos/${ORG}/${REPO}/code-scanning/alerts/${o.number}/instances`,
  };
}

/** An analysis as "List code scanning analyses for a repository" documents it (code-scanning-analysis). */
function analysis(id: number, createdAt: string, commit: string) {
  return {
    ref: "refs/heads/main",
    commit_sha: commit,
    analysis_key: CATEGORY,
    environment: "{}",
    error: "",
    category: CATEGORY,
    created_at: createdAt,
    results_count: 2,
    rules_count: 1024,
    id,
    url: `https://api.github.com/repos/${ORG}/${REPO}/code-scanning/analyses/${id}`,
    sarif_id: "6c81cd8e-b078-4ac3-a3be-1dad7dbd0b53",
    tool: { name: "Checkov", guid: null, version: "3.2.495" },
    deletable: true,
    warning: "",
  };
}

const EGRESS = "Ensure no security groups allow egress from 0.0.0.0:0 to port -1";
const VPC = "infrastructure-catalog/modules/vpc/main.tf";
const platform = (gh: MockGitHub) =>
  new OctokitPlatform(new Octokit({ baseUrl: gh.apiUrl, request: { retries: 0 } }));
const repo = { owner: ORG, repo: REPO };

describe("codeScanningCheck", () => {
  it("a fixed alert on a later page passes, linking the alert", async () => {
    const gh = kit();
    const finding = sarifFinding("checkov-duplicates.sarif");
    const next = `${gh.apiUrl}${R}/code-scanning/alerts?ref=refs%2Fheads%2Fmain&tool_name=Checkov&per_page=100&page=2`;
    gh.get(ALERTS).reply(
      200,
      [alert({ number: 12, state: "open", rule: "CKV2_AWS_5", path: VPC, line: 346, message: "x" })],
      {
        link: `<${next}>; rel="next", <${next}>; rel="last"`,
      },
    );
    gh.get(`${ALERTS}&page=2`).reply(200, [
      alert({
        number: 9,
        state: "fixed",
        rule: "CKV_AWS_382",
        path: VPC,
        line: 346,
        message: EGRESS,
        fixedAt: "2026-11-20T12:41:09Z",
      }),
    ]);

    const result = await codeScanningCheck(
      platform(gh),
      { repository: repo, defaultBranch: "main", mergedAt: MERGED_AT, now: NOW },
      finding,
    );

    const detail = `Checkov alert #9 (CKV_AWS_382) on ${VPC} is fixed on main since 2026-11-20 12:41 UTC`;
    expect(result).toEqual({
      row: {
        findingId: finding.id,
        kind: "runtime",
        result: "passed",
        checkedBy: "github-code-scanning",
        observedAt: NOW,
        detail,
        links: { scan: `https://github.com/${ORG}/${REPO}/security/code-scanning/9` },
      },
      detail,
      unavailable: false,
    });
    expect(gh.requests.map((r) => r.operationId)).toEqual([
      "code-scanning/list-alerts-for-repo",
      "code-scanning/list-alerts-for-repo",
    ]);
  });

  it("an alert still open in an analysis after the merge fails with its message", async () => {
    const gh = kit();
    const finding = sarifFinding("checkov-duplicates.sarif");
    gh.get(ALERTS).reply(200, [
      alert({
        number: 9,
        state: "open",
        rule: "CKV_AWS_382",
        path: VPC,
        line: 352,
        message: `${EGRESS}\n(egress rule 0)`,
      }),
    ]);
    gh.get(ANALYSES).reply(200, [
      analysis(3302, "2026-11-20T12:05:40Z", MERGE_SHA),
      analysis(3251, "2026-11-19T16:22:10Z", "0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e"),
    ]);

    const result = await codeScanningCheck(
      platform(gh),
      { repository: repo, defaultBranch: "main", mergedAt: MERGED_AT, now: NOW },
      finding,
    );

    expect(result.row).toMatchObject({
      result: "failed",
      checkedBy: "github-code-scanning",
      links: { scan: `https://github.com/${ORG}/${REPO}/security/code-scanning/9` },
    });
    expect(result.detail).toBe(
      `Checkov alert #9 (CKV_AWS_382) is still open on ${VPC}:352 in Checkov's analysis of main at ${MERGE_SHA.slice(0, 12)} (2026-11-20 12:05 UTC): ${EGRESS} (egress rule 0)`,
    );
  });

  it("an open alert whose latest analysis predates the merge is no verdict yet", async () => {
    const gh = kit();
    const finding = sarifFinding("checkov-duplicates.sarif");
    gh.get(ALERTS).reply(200, [
      alert({ number: 9, state: "open", rule: "CKV_AWS_382", path: VPC, line: 346, message: EGRESS }),
    ]);
    gh.get(ANALYSES).reply(200, [
      analysis(3251, "2026-11-19T16:22:10Z", "0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e"),
    ]);

    const result = await codeScanningCheck(
      platform(gh),
      { repository: repo, defaultBranch: "main", mergedAt: MERGED_AT, now: NOW },
      finding,
    );

    expect(result).toEqual({
      row: null,
      unavailable: false,
      detail:
        "waiting for a Checkov analysis of main after the merge in GitHub code scanning; the latest is Checkov's analysis of main at 0d1e2f3a4b5c (2026-11-19 16:22 UTC)",
    });
  });

  it("matches an alias of the finding's catalog rule, on the finding's own line", async () => {
    const gh = kit();
    // CKV_AWS_53 at buckets.tf:54; Checkov's CKV_AWS_56 is the same catalog rule (public access block).
    // Another bucket in the file still failing CKV_AWS_53 (line 80) is another resource's alert.
    const finding = sarifFinding("checkov-suppressed.sarif", 3);
    expect(finding.rule).toEqual({ nativeId: "CKV_AWS_53", catalogId: "aws-s3-public-access-block" });
    gh.get(ALERTS).reply(200, [
      alert({
        number: 4,
        state: "fixed",
        rule: "CKV_AWS_56",
        path: "buckets.tf",
        line: 54,
        message: "m",
        fixedAt: "2026-11-20T12:00:00Z",
      }),
      alert({ number: 5, state: "open", rule: "CKV_AWS_144", path: "buckets.tf", line: 2, message: "m" }),
      alert({ number: 6, state: "open", rule: "CKV_AWS_53", path: "buckets.tf", line: 80, message: "m" }),
    ]);

    const result = await codeScanningCheck(
      platform(gh),
      { repository: repo, defaultBranch: "main", mergedAt: MERGED_AT, now: NOW },
      finding,
    );

    expect(result.row?.result).toBe("passed");
    expect(result.detail).toBe(
      "Checkov alert #4 (CKV_AWS_56) on buckets.tf is fixed on main since 2026-11-20 12:00 UTC",
    );
  });

  it("no alert for the rule in an analysis newer than the merge passes; no analysis at all is unavailable", async () => {
    const gh = kit();
    const finding = sarifFinding("checkov-duplicates.sarif");
    gh.get(ALERTS).times(2).reply(200, []);
    gh.get(ANALYSES).reply(200, [analysis(3302, "2026-11-20T12:05:40Z", MERGE_SHA)]);
    gh.get(ANALYSES).reply(404, {
      message: "no analysis found",
      documentation_url: "https://docs.github.com/rest",
    });

    const gone = await codeScanningCheck(
      platform(gh),
      { repository: repo, defaultBranch: "main", mergedAt: MERGED_AT, now: NOW },
      finding,
    );
    const none = await codeScanningCheck(
      platform(gh),
      { repository: repo, defaultBranch: "main", mergedAt: MERGED_AT, now: NOW },
      finding,
    );

    expect(gone.row?.result).toBe("passed");
    expect(gone.detail).toBe(
      `Checkov's analysis of main at ${MERGE_SHA.slice(0, 12)} (2026-11-20 12:05 UTC) reports no CKV_AWS_382 alert on ${VPC}`,
    );
    expect(none).toEqual({
      row: null,
      unavailable: true,
      detail:
        "GitHub code scanning holds no Checkov analysis of main: Checkov's results are not uploaded there",
    });
  });

  it("404 and 403 mean code scanning is unavailable, said in words", async () => {
    const gh = kit();
    const finding = sarifFinding("checkov-duplicates.sarif");
    gh.get(ALERTS).reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
    gh.get(ALERTS).reply(403, {
      message: "Advanced Security must be enabled for this repository to use code scanning.",
    });

    const notFound = await codeScanningCheck(
      platform(gh),
      { repository: repo, defaultBranch: "main", mergedAt: MERGED_AT, now: NOW },
      finding,
    );
    const forbidden = await codeScanningCheck(
      platform(gh),
      { repository: repo, defaultBranch: "main", mergedAt: MERGED_AT, now: NOW },
      finding,
    );

    expect(notFound).toEqual({
      row: null,
      unavailable: true,
      detail:
        "GitHub code scanning is not available for acme/infra (HTTP 404: not set up, or fixloop may not read its alerts)",
    });
    expect(forbidden.detail).toBe(
      "GitHub code scanning is not available for acme/infra (HTTP 403: Advanced Security is not enabled)",
    );
  });

  it("applies to SARIF findings with a repository-relative path only", () => {
    const checkov = sarifFinding("checkov-duplicates.sarif");
    const tfsec = sarifFinding("tfsec-windows-paths.sarif");
    expect(codeScanningApplies(checkov, checkov.formats)).toBe(true);
    expect(tfsec.resource.file?.startsWith("C:/Users/")).toBe(true);
    expect(codeScanningApplies(tfsec, tfsec.formats)).toBe(false);
    expect(codeScanningApplies(checkov, ["checkov"])).toBe(false);
  });
});

/** A recorded green check_run delivery's run, adapted to the merge commit. */
function mockGreenCi(gh: MockGitHub) {
  const run = withIds(
    webhookExample("check_run", (p) => p.action === "completed" && p.check_run.conclusion === "success"),
    { headSha: MERGE_SHA },
  ).check_run;
  gh.get(`${R}/commits/${MERGE_SHA}/check-runs?per_page=100`).reply(200, {
    total_count: 1,
    check_runs: [run],
  });
  gh.get(`${R}/commits/${MERGE_SHA}/statuses?per_page=100`).reply(200, []);
  gh.get(`${R}/branches/main`).reply(200, { name: "main", protected: false });
}

function mockVerdict(gh: MockGitHub) {
  gh.post(`${R}/check-runs`).reply(201, { id: 900, html_url: `https://github.com/${ORG}/${REPO}/runs/900` });
  gh.post(`${R}/issues/7/comments`).reply(201, {
    id: 1,
    html_url: `https://github.com/${ORG}/${REPO}/pull/7#c1`,
  });
}

/** The Checkov egress finding (a real report) admitted next to the demo's, its fix merged as PR #8. */
async function mergedSarif(m: Merged): Promise<string> {
  const [t] = triage(readFixture("sarif/checkov-duplicates.sarif"), new Date(m.store.now())) as [
    TriagedFinding,
  ];
  const [stored] = await persistFindings(m.store, [t], { org: ORG, installationId: INSTALLATION });
  const id = stored!.id;
  const app = { kind: "app" } as const;
  for (const to of ["triaged", "fixing"] as FindingState[])
    await changeState(m.store, { findingId: id, to, actor: app, reason: "approved in the test" });
  await m.store.transaction((tx) =>
    recordRemediation(
      tx,
      {
        findingId: id,
        repository: `${ORG}/${REPO}`,
        branch: "fixloop/ckv-aws-382/b339",
        prNumber: 7,
        prUrl: `https://github.com/${ORG}/${REPO}/pull/7`,
        commitSha: "3333333333333333333333333333333333333333",
        mergeCommitSha: MERGE_SHA,
        files: [VPC],
        diff: "",
        assignment: { team: "acme/network", reviewers: [], decidedBy: "codeowners" },
        prState: "merged",
      },
      m.store.now(),
    ),
  );
  await changeState(m.store, { findingId: id, to: "pr_open", actor: app, reason: "opened PR 7" });
  m.clock.advance(60 * 60_000);
  await changeState(m.store, { findingId: id, to: "merged", actor: app, reason: "PR 7 merged" });
  return id;
}

describe("verifyFinding with GitHub code scanning", () => {
  it("resolves a SARIF finding whose alert code scanning reports fixed, recording the runtime row", async () => {
    merged = await mergedFix({ kit });
    const m = merged;
    const id = await mergedSarif(m);
    const gh = kit();
    mockGreenCi(gh);
    gh.get(ALERTS).reply(200, [
      alert({
        number: 9,
        state: "fixed",
        rule: "CKV_AWS_382",
        path: VPC,
        line: 346,
        message: EGRESS,
        fixedAt: "2026-11-20T12:41:09Z",
      }),
    ]);
    mockVerdict(gh);
    m.clock.advance(30 * 60_000);

    const result = await verifyFinding(m.env, id);

    expect(result.outcome).toBe("resolved");
    expect((await getFinding(m.store.db, id))?.state).toBe("resolved");
    const rows = await verificationsOf(m.store.db, id);
    const runtime = rows.find((r) => r.kind === "runtime");
    expect(runtime).toMatchObject({
      result: "passed",
      checkedBy: "github-code-scanning",
      detail: `Checkov alert #9 (CKV_AWS_382) on ${VPC} is fixed on main since 2026-11-20 12:41 UTC`,
      links: { scan: `https://github.com/${ORG}/${REPO}/security/code-scanning/9` },
      observedAt: new Date(m.store.now()).toISOString(),
    });
    expect((await auditTrail(m.store.db, id)).at(-1)?.reason).toBe(
      `verified: CI green on the merge commit, code re-scan inconclusive, github-code-scanning re-scan passed at ${runtime?.observedAt}`,
    );
    expect(gh.count("GET", "/repos/{owner}/{repo}/code-scanning/alerts")).toBe(1);
  });

  it("without code scanning (404) falls back to the code re-scan and says why in the result", async () => {
    merged = await mergedFix({ kit });
    const m = merged;
    const id = await mergedSarif(m);
    const gh = kit();
    mockGreenCi(gh);
    gh.get(ALERTS).reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });

    const result = await verifyFinding(m.env, id);

    expect(result.outcome).toBe("waiting-runtime");
    expect(
      result.detail.endsWith(
        "; GitHub code scanning is not available for acme/infra (HTTP 404: not set up, or fixloop may not read its alerts)",
      ),
    ).toBe(true);
    expect((await verificationsOf(m.store.db, id)).filter((r) => r.kind === "runtime")).toEqual([]);
    // The audit trail promised no more than it could know when verification started.
    expect((await auditTrail(m.store.db, id)).find((e) => e.to === "verifying")?.reason).toBe(
      `verifying the merge commit ${MERGE_SHA}: CI, then the code re-scan and GitHub code scanning's alert (the code re-scan alone if code scanning is not enabled)`,
    );
  });

  it("asks code scanning nothing for a finding that is not from SARIF", async () => {
    merged = await mergedFix({ kit });
    const m = merged;
    const gh = kit();
    mockGreenCi(gh);
    mockVerdict(gh);
    m.clock.advance(2 * 60 * 60_000);
    await persistFindings(
      m.store,
      triage(s38("PASSED", new Date(m.store.now()).toISOString()), new Date(m.store.now())),
      {
        org: ORG,
        installationId: INSTALLATION,
      },
    );

    expect((await verifyFinding(m.env, m.findingId)).outcome).toBe("resolved");
    expect(gh.requests.map((r) => `${r.method} ${r.route}`)).toEqual([
      "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
      "GET /repos/{owner}/{repo}/commits/{ref}/statuses",
      "GET /repos/{owner}/{repo}/branches/{branch}",
      "POST /repos/{owner}/{repo}/check-runs",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    ]);
  });
});
