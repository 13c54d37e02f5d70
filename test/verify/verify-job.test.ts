import { afterEach, describe, expect, it } from "vitest";
import { persistFindings } from "../../src/ingest/persist.ts";
import { auditTrail } from "../../src/store/audit.ts";
import { getFinding } from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { verificationsOf } from "../../src/store/verifications.ts";
import { type VerifyProgress, verifyFinding } from "../../src/verify/verify-job.ts";
import type { MockGitHub } from "../github/kit/mock-github.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";
import { triage } from "../store/helpers.ts";
import {
  disposeMerged,
  EVIDENCE,
  INSTALLATION,
  MERGE_SHA,
  type Merged,
  mergedFix,
  ORG,
  PR_NUMBER,
  REPO,
  s38,
} from "./setup.ts";

const kit = useMockGitHub();
let merged: Merged | undefined;
afterEach(async () => {
  await disposeMerged(merged);
  merged = undefined;
});

const R = `/repos/${ORG}/${REPO}`;
const CHECK_RUN_URL = `https://github.com/${ORG}/${REPO}/runs/900`;
const COMMENT_ROUTE = "/repos/{owner}/{repo}/issues/{issue_number}/comments";
const CHECKS_ROUTE = "/repos/{owner}/{repo}/check-runs";

/** A recorded check_run delivery's run (GitHub's own), adapted to the merge commit. */
function checkRun(conclusion: "success" | "failure") {
  const payload = webhookExample(
    "check_run",
    (p) => p.action === "completed" && p.check_run.conclusion === conclusion,
  );
  return withIds(payload, { headSha: MERGE_SHA }).check_run;
}

function mockCi(gh: MockGitHub, runs: object[], branch: object = { name: "main", protected: false }) {
  gh.get(`${R}/commits/${MERGE_SHA}/check-runs?per_page=100`).reply(200, {
    total_count: runs.length,
    check_runs: runs,
  });
  gh.get(`${R}/commits/${MERGE_SHA}/statuses?per_page=100`).reply(200, []);
  gh.get(`${R}/branches/main`).reply(200, branch);
}

function mockVerdict(gh: MockGitHub) {
  gh.post(`${R}/check-runs`).reply(201, { id: 900, html_url: CHECK_RUN_URL });
  gh.post(`${R}/issues/${PR_NUMBER}/comments`).reply(201, {
    id: 1,
    html_url: `https://github.com/${ORG}/${REPO}/pull/${PR_NUMBER}#issuecomment-1`,
  });
}

const bodyOf = (gh: MockGitHub, route: string) =>
  gh.requests.filter((r) => r.route === route && r.method === "POST").map((r) => r.body);

/** A later Security Hub scan of the bucket, ingested as the app would (runtime evidence). */
async function rescan(m: Merged, status: "FAILED" | "PASSED", at: string) {
  await persistFindings(m.store, triage(s38(status, at), new Date(m.store.now())), {
    org: ORG,
    installationId: INSTALLATION,
  });
}

async function openTrackingIssue(m: Merged, number = 31) {
  await m.store.db
    .insertInto("tracking_issues")
    .values({
      finding_id: m.findingId,
      repository: `${ORG}/${REPO}`,
      number,
      url: `https://github.com/${ORG}/${REPO}/issues/${number}`,
      state: "open",
      reason: "awaiting-approval: gated",
      created_at: m.store.now(),
      updated_at: m.store.now(),
    })
    .execute();
}

describe("verifyFinding", () => {
  it("resolves a merged fix when CI is green, the code is clean and Security Hub reports it passing", async () => {
    merged = await mergedFix({ kit });
    const m = merged;
    const gh = kit();
    const green = checkRun("success");
    // The branch requires the recorded run's own check, from its own app.
    mockCi(gh, [green], {
      name: "main",
      protected: true,
      protection: {
        enabled: true,
        required_status_checks: {
          enforcement_level: "everyone",
          contexts: [green.name],
          checks: [{ context: green.name, app_id: green.app?.id ?? null }],
        },
      },
    });
    mockVerdict(gh);
    await openTrackingIssue(m);
    gh.post(`${R}/issues/31/comments`).reply(201, {
      id: 2,
      html_url: "https://github.com/acme/infra/issues/31#c",
    });
    gh.patch(`${R}/issues/31`).reply(200, { number: 31 });
    m.clock.advance(2 * 60 * 60_000);
    await rescan(m, "PASSED", new Date(m.store.now()).toISOString());

    const result = await verifyFinding(m.env, m.findingId);

    expect(result.outcome).toBe("resolved");
    const finding = await getFinding(m.store.db, m.findingId);
    expect(finding?.state).toBe("resolved");
    const trail = await auditTrail(m.store.db, m.findingId);
    expect(trail.slice(-2).map((e) => `${e.from}→${e.to}`)).toEqual([
      "merged→verifying",
      "verifying→resolved",
    ]);
    expect(trail.at(-1)?.reason).toBe(
      "verified: CI green on the merge commit, code re-scan clean, securityhub re-scan passed at 2026-11-20T13:00:00.000Z",
    );
    const rows = await verificationsOf(m.store.db, m.findingId);
    expect(rows.map((r) => `${r.kind}:${r.result}:${r.checkedBy}`)).toEqual([
      "runtime:passed:securityhub",
      "ci:passed:github-checks",
      "code:passed:fixloop",
    ]);
    expect(rows[1]?.detail).toBe(
      `1 check passed on the merge commit ${MERGE_SHA.slice(0, 12)} (the branch's required checks): Octocoders-linter`,
    );

    const [checkRunBody] = bodyOf(gh, CHECKS_ROUTE) as Array<Record<string, unknown>>;
    expect(checkRunBody).toMatchObject({
      name: "fixloop/verification",
      head_sha: MERGE_SHA,
      status: "completed",
      conclusion: "success",
      external_id: m.findingId,
      details_url: EVIDENCE(m.findingId),
      output: { title: "Verified: the finding is resolved" },
    });
    const summary = (checkRunBody?.output as { summary: string } | undefined)?.summary ?? "";
    expect(summary).toContain(
      "- **CI on the merge commit**: passed, checked by GitHub checks at 2026-11-20 13:00 UTC",
    );
    expect(summary).toContain(
      "- **Code re-scan (fixloop's rule catalog)**: passed, checked by fixloop at 2026-11-20 13:00 UTC",
    );
    expect(summary).toContain(
      "- **Runtime re-scan (the source's own view)**: passed, checked by Security Hub",
    );

    const comments = bodyOf(gh, COMMENT_ROUTE) as Array<{ body: string }>;
    expect(comments).toHaveLength(2); // the PR's, and the tracking issue's closing note
    const pr = comments.find((c) => c.body.startsWith("**Verified.**"))?.body ?? "";
    expect(pr).toContain(`Evidence: [verification evidence](${EVIDENCE(m.findingId)})`);
    expect(pr).toContain(`check run: [fixloop/verification](${CHECK_RUN_URL})`);
    expect(pr).not.toContain("@acme");
    const closing = gh.requests.find((r) => r.path === `${R}/issues/31/comments`)?.body as { body: string };
    expect(closing.body).toContain(`Evidence: [verification evidence](${EVIDENCE(m.findingId)})`);
    expect(gh.requests.find((r) => r.method === "PATCH")?.body).toEqual({
      state: "closed",
      state_reason: "completed",
    });

    // A later run (a webhook for the same commit) finds it resolved: no request at all.
    expect((await verifyFinding(m.env, m.findingId)).outcome).toBe("nothing-to-do");
    expect(gh.count("POST", COMMENT_ROUTE)).toBe(2);
    expect(gh.count("POST", CHECKS_ROUTE)).toBe(1);
  });

  it("reopens when CI on the merge commit is red, naming and linking the failing check", async () => {
    merged = await mergedFix({ kit });
    const m = merged;
    const gh = kit();
    const red = checkRun("failure");
    mockCi(gh, [red]);
    mockVerdict(gh);
    gh.post(`${R}/issues`).reply(201, { number: 40, html_url: "https://github.com/acme/infra/issues/40" });

    const result = await verifyFinding(m.env, m.findingId);

    expect(result).toMatchObject({
      outcome: "reopened",
      detail: `not verified: CI failed on the merge commit ${MERGE_SHA.slice(0, 12)}: Octocoders-linter`,
    });
    expect((await getFinding(m.store.db, m.findingId))?.state).toBe("reopened");
    const summary = bodyOf(gh, CHECKS_ROUTE)[0] as { conclusion: string; output: { summary: string } };
    expect(summary.conclusion).toBe("failure");
    expect(summary.output.summary).toContain(`  - [Octocoders-linter](${red.html_url})`);
    const [comment] = bodyOf(gh, COMMENT_ROUTE) as Array<{ body: string }>;
    expect(comment?.body).toContain(
      `Why: CI failed on the merge commit ${MERGE_SHA.slice(0, 12)}: Octocoders-linter`,
    );
    expect(comment?.body).toContain("@acme/data-platform @octocat: this fix did not verify.");
    expect(comment?.body.match(/@acme\/data-platform/g)).toHaveLength(1);
    expect(comment?.body).toContain(
      "Tracking issue: [acme/infra\\#40](https://github.com/acme/infra/issues/40)",
    );
    const issue = bodyOf(gh, "/repos/{owner}/{repo}/issues")[0] as { title: string; body: string };
    expect(issue.body).toContain(`<!-- fixloop:issue finding=${m.findingId} -->`);
    // CI red says nothing about the code: no new fix PR.
    expect(await listJobs(m.store.db, { kind: "remediate", state: "queued" })).toEqual([]);
  });

  it("reopens when Security Hub still reports the bucket failing after the merge, in its words", async () => {
    merged = await mergedFix({ kit });
    const m = merged;
    const gh = kit();
    mockCi(gh, [checkRun("success")]);
    mockVerdict(gh);
    gh.post(`${R}/issues`).reply(201, { number: 41, html_url: "https://github.com/acme/infra/issues/41" });
    m.clock.advance(3 * 60 * 60_000);
    await rescan(m, "FAILED", "2026-11-20T12:30:00.000Z");

    const result = await verifyFinding(m.env, m.findingId);

    const reason =
      "S3.8 still fails according to the Security Hub scan of 2026-11-20 12:30 UTC: securityhub reports S3.8 failed for arn:aws:s3:::prod-customer-data-backups";
    expect(result.outcome).toBe("reopened");
    expect(result.detail.startsWith(`not verified: ${reason}`)).toBe(true);
    const [comment] = bodyOf(gh, COMMENT_ROUTE) as Array<{ body: string }>;
    expect(comment?.body).toContain(
      "Why: S3.8 still fails according to the Security Hub scan of 2026-11-20 12:30 UTC",
    );
    // The code is clean, so the fix engine has nothing new to do: no new PR.
    expect(comment?.body).toContain("there is no new pull request");
    expect((await getFinding(m.store.db, m.findingId))?.state).toBe("reopened");
    expect(await listJobs(m.store.db, { kind: "remediate", state: "queued" })).toEqual([]);
  });

  it("waits for the runtime re-scan in mode both, and does not ask GitHub for CI again", async () => {
    merged = await mergedFix({ kit });
    const m = merged;
    const gh = kit();
    mockCi(gh, [checkRun("success")]);

    const first = await verifyFinding(m.env, m.findingId);
    expect(first).toEqual({
      outcome: "waiting-runtime",
      detail:
        "CI is green and the code re-scan passed; waiting for the source to re-scan arn:aws:s3:::prod-customer-data-backups",
      rescheduleAt: m.store.now() + 30 * 60_000,
    });
    const finding = await getFinding(m.store.db, m.findingId);
    expect(finding?.state).toBe("verifying");
    expect(finding?.verificationDeadline).toBe(new Date(m.store.now() + 72 * 60 * 60_000).toISOString());
    const requests = gh.requests.length;

    m.clock.advance(30 * 60_000);
    expect((await verifyFinding(m.env, m.findingId)).outcome).toBe("waiting-runtime");
    expect(gh.requests.length).toBe(requests);
    const rows = await verificationsOf(m.store.db, m.findingId);
    expect(rows.map((r) => `${r.kind}:${r.result}`)).toEqual(["ci:passed", "code:passed"]);
  });

  it("finishes the notifications after a crash without a second check run", async () => {
    merged = await mergedFix({ kit, config: { verification: { mode: "code" } } });
    const m = merged;
    const gh = kit();
    mockCi(gh, [checkRun("success")]);
    gh.post(`${R}/check-runs`).reply(201, { id: 900, html_url: CHECK_RUN_URL });
    gh.post(`${R}/issues/${PR_NUMBER}/comments`).reply(502, { message: "Bad Gateway" });
    const saved: VerifyProgress[] = [];
    const io = {
      progress: {} as VerifyProgress,
      save: async (p: VerifyProgress) => {
        saved.push(structuredClone(p));
      },
    };
    await expect(verifyFinding(m.env, m.findingId, io)).rejects.toThrow();
    expect((await getFinding(m.store.db, m.findingId))?.state).toBe("resolved");

    gh.post(`${R}/issues/${PR_NUMBER}/comments`).reply(201, { id: 3, html_url: "https://github.com/c" });
    const retry = { progress: structuredClone(saved.at(-1) as VerifyProgress), save: io.save };
    expect((await verifyFinding(m.env, m.findingId, retry)).outcome).toBe("resolved");
    expect(gh.count("POST", CHECKS_ROUTE)).toBe(1);
    expect(retry.progress.comment).toBe("https://github.com/c");
  });

  it("asks for a new fix when the merged code still fails the rule (the PR was edited before merge)", async () => {
    merged = await mergedFix({
      kit,
      config: { verification: { mode: "code" } },
      after: (_p, before) => before,
    });
    const m = merged;
    const gh = kit();
    mockCi(gh, [checkRun("success")]);
    mockVerdict(gh);
    gh.post(`${R}/issues`).reply(201, { number: 42, html_url: "https://github.com/acme/infra/issues/42" });

    const result = await verifyFinding(m.env, m.findingId);

    expect(result.outcome).toBe("reopened");
    expect(result.detail).toContain(
      "not verified: aws-s3-public-access-block still reports aws_s3_bucket.backups",
    );
    expect((await getFinding(m.store.db, m.findingId))?.state).toBe("fixing");
    const jobs = await listJobs(m.store.db, { kind: "remediate", state: "queued" });
    expect(jobs.map((j) => j.payload)).toEqual([{ findingId: m.findingId }]);
    const [comment] = bodyOf(gh, COMMENT_ROUTE) as Array<{ body: string }>;
    expect(comment?.body).toContain("fixloop is computing a new fix");
  });
});
