// The verification loop end to end, through the real Probot app: a CSPM POSTs a finding, fixloop
// opens the fix PR, the PR merges (replayed `pull_request.closed`), CI reports on the merge commit
// (replayed `check_run` / `check_suite` deliveries, adapted only in ids and shas), the source
// re-scans (a later signed POST of the same finding), and the job worker settles it: resolved with
// a check run, one comment and an evidence link — or reopened with the reason in words.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditTrail } from "../../src/store/audit.ts";
import { getFinding } from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { type Harness, ORG, REPO, startHarness } from "./harness.ts";
import {
  API_EVIDENCE_URL,
  CHECK_RUN_URL,
  CHECK_RUNS,
  COMMENTS,
  checkRunDelivery,
  checkSuiteDelivery,
  EVIDENCE_PATH,
  EVIDENCE_URL,
  FINDING,
  mergeFix,
  mockCi,
  mockVerdict,
  openFixPr,
  PR_URL,
  postedBodies,
  publicBucket,
  R,
  restRequestsSince,
  signedGet,
} from "./verification-setup.ts";

const gh = useMockGitHub();
const MINUTE = 60_000;

let h: Harness;
let fix: { path: string; content: string };
beforeEach(async () => {
  h = await startHarness();
  fix = await openFixPr(h, gh());
  expect((await getFinding(h.store.db, FINDING))?.state).toBe("pr_open");
});
afterEach(async () => {
  await h.close();
});

const stateOf = async () => (await getFinding(h.store.db, FINDING))?.state;

/** Merges the fix, CI on the merge commit reports green (a replayed check_run), and the job runs. */
async function mergeWithGreenCi(deliveryId = "d-ci-green") {
  const sha = await mergeFix(h, fix);
  const delivery = checkRunDelivery(sha, "success");
  mockCi(gh(), sha, [delivery.check_run]);
  await h.probot.receive({ id: deliveryId, name: "check_run", payload: delivery });
  await h.drain();
  return { sha, delivery };
}
const comments = () => postedBodies<{ body: string }>(gh(), COMMENTS).map((c) => c.body);

describe("a merged fixloop PR is verified", () => {
  it("resolved: CI green, the code re-scan clean and the source passing — one check run, one comment, an evidence link", async () => {
    const before = gh().requests.length;
    const sha = await mergeFix(h, fix);
    const delivery = checkRunDelivery(sha, "success");
    const green = delivery.check_run;
    // The default branch requires the recorded run's check, from its own app.
    mockCi(gh(), sha, [green], {
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
    await h.probot.receive({ id: "d-ci-run", name: "check_run", payload: delivery });
    await h.probot.receive({ id: "d-ci-suite", name: "check_suite", payload: checkSuiteDelivery(sha) });
    await h.drain();
    // CI is green and the merged code is clean; the source has not re-scanned yet (mode both).
    expect(await stateOf()).toBe("verifying");
    expect(comments()).toHaveLength(0);

    h.clock.advance(20 * MINUTE);
    const rescan = await h.postFindings(publicBucket("passed"));
    expect(rescan.body).toMatchObject({
      findings: [{ id: FINDING, state: "verifying", outcome: "updated" }],
    });
    mockVerdict(gh());
    // The job looks again half an hour after its last look.
    h.clock.advance(10 * MINUTE);
    await h.drain();

    expect(await stateOf()).toBe("resolved");
    const trail = await auditTrail(h.store.db, FINDING);
    expect(trail.slice(-3).map((e) => `${e.from}→${e.to}`)).toEqual([
      "pr_open→merged",
      "merged→verifying",
      "verifying→resolved",
    ]);
    expect(trail.at(-1)).toMatchObject({
      actor: { kind: "app" },
      reason:
        "verified: CI green on the merge commit, code re-scan clean, generic re-scan passed at 2026-11-20T10:20:00.000Z",
      links: { pr: PR_URL, commit: sha },
    });

    const [check] = postedBodies(gh(), CHECK_RUNS);
    expect(check).toMatchObject({
      name: "fixloop/verification",
      head_sha: sha,
      status: "completed",
      conclusion: "success",
      details_url: EVIDENCE_URL,
      output: { title: "Verified: the finding is resolved" },
    });
    expect(postedBodies(gh(), CHECK_RUNS)).toHaveLength(1);
    const [comment, ...more] = comments();
    expect(more).toEqual([]);
    expect(comment).toMatch(/^\*\*Verified\.\*\* /);
    expect(comment).toContain(`Evidence: [verification evidence](${EVIDENCE_URL})`);
    expect(comment).toContain(`check run: [fixloop/verification](${CHECK_RUN_URL})`);

    // From the merge webhook to resolved: CI (check runs, statuses, the branch's required checks)
    // once, then the check run and the comment. The code re-scan reads git, not the REST API.
    expect(restRequestsSince(gh(), before)).toEqual([
      "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
      "GET /repos/{owner}/{repo}/commits/{ref}/statuses",
      "GET /repos/{owner}/{repo}/branches/{branch}",
      "POST /repos/{owner}/{repo}/check-runs",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    ]);
    expect(restRequestsSince(gh(), before).length).toBeLessThanOrEqual(5);

    // The verified link: the evidence lists what was checked, by whom, when.
    const evidence = await signedGet(h, EVIDENCE_PATH);
    expect(evidence.status).toBe(200);
    const record = (await evidence.json()) as {
      finding: { state: string };
      verification: { result: string; checks: Array<Record<string, unknown>> };
    };
    expect(record.finding.state).toBe("resolved");
    expect(record.verification.result).toBe("verified");
    expect(record.verification.checks.map((c) => `${c.kind}:${c.result}:${c.checkedBy}`)).toEqual([
      "ci:passed:github-checks",
      "code:passed:fixloop",
      "runtime:passed:generic",
    ]);
    expect(record.verification.checks[0]).toMatchObject({
      detail: `1 check passed on the merge commit ${sha.slice(0, 12)} (the branch's required checks): Octocoders-linter`,
      links: { commit: sha },
    });
  });

  it("CI still running at the merge: the first look waits for CI's webhook, and the re-scan wakes the job — five requests in all", async () => {
    const before = gh().requests.length;
    const sha = await mergeFix(h, fix);
    // Right after the merge nothing looks at CI (it is still running): the job's first look is
    // after the grace period, or sooner when CI says it finished.
    await h.drain();
    expect(await stateOf()).toBe("merged");
    expect(restRequestsSince(gh(), before)).toEqual([]);
    const [job] = await listJobs(h.store.db, { kind: "verify", state: "queued" });
    expect(job?.runAt).toBe(h.clock.clock() + 15 * MINUTE);

    // The check finishes: its delivery wakes the job at once.
    const delivery = checkRunDelivery(sha, "success");
    mockCi(gh(), sha, [delivery.check_run]);
    await h.probot.receive({ id: "d-ci-done", name: "check_run", payload: delivery });
    await h.drain();
    expect(await stateOf()).toBe("verifying");

    // The source's re-scan arrives: recording it wakes the waiting job, no half-hour wait.
    await h.postFindings(publicBucket("passed"));
    mockVerdict(gh());
    await h.drain();
    expect(await stateOf()).toBe("resolved");
    expect(comments()).toHaveLength(1);
    expect(restRequestsSince(gh(), before)).toEqual([
      "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
      "GET /repos/{owner}/{repo}/commits/{ref}/statuses",
      "GET /repos/{owner}/{repo}/branches/{branch}",
      "POST /repos/{owner}/{repo}/check-runs",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    ]);
  });

  it("resolved: a complete scan of the account no longer lists the bucket — its absence is the re-scan", async () => {
    await mergeWithGreenCi();
    expect(await stateOf()).toBe("verifying");

    // An ordinary upload without the bucket says nothing about it.
    h.clock.advance(20 * MINUTE);
    const partial = await h.postFindings([]);
    expect(partial.body).toMatchObject({ accepted: 0, findings: [] });
    expect(partial.body.absent).toBeUndefined();
    h.clock.advance(10 * MINUTE);
    await h.drain();
    expect(await stateOf()).toBe("verifying");

    // The CSPM's whole scan of the account, which no longer reports the bucket.
    const complete = await h.postFindings([], ORG, "?complete=true&accounts=123456789012&tool=generic");
    expect(complete.status).toBe(202);
    expect(complete.body).toMatchObject({
      accepted: 0,
      absent: [{ id: FINDING, evidenceUrl: API_EVIDENCE_URL }],
    });
    mockVerdict(gh());
    await h.drain();

    expect(await stateOf()).toBe("resolved");
    expect((await auditTrail(h.store.db, FINDING)).at(-1)?.reason).toBe(
      "verified: CI green on the merge commit, code re-scan clean, generic re-scan passed at 2026-11-20T10:30:00.000Z",
    );
    // The check run (the verified link's summary) says what the re-scan was.
    const [check] = postedBodies<{ output: { summary: string } }>(gh(), CHECK_RUNS);
    expect(check?.output.summary).toContain(
      "S3.8 passes according to the generic scan of 2026-11-20 10:30 UTC: S3.8 (f-7f3a9c21) is absent from a complete scan of account 123456789012 (every rule)",
    );
  });
});

describe("a merged fixloop PR that does not verify is reopened, with the reason in words", () => {
  it("red CI on the merge commit: reopened, the failing check named in the comment and linked in the check run", async () => {
    const sha = await mergeFix(h, fix);
    const delivery = checkRunDelivery(sha, "failure");
    const red = delivery.check_run;
    mockCi(gh(), sha, [red]);
    mockVerdict(gh());
    gh()
      .post(`${R}/issues`)
      .reply(201, { number: 40, html_url: `https://github.com/${ORG}/${REPO}/issues/40` });
    await h.probot.receive({ id: "d-ci-red", name: "check_run", payload: delivery });
    await h.drain();

    expect(await stateOf()).toBe("reopened");
    const reason = `CI failed on the merge commit ${sha.slice(0, 12)}: Octocoders-linter`;
    expect((await auditTrail(h.store.db, FINDING)).at(-1)).toMatchObject({
      from: "verifying",
      to: "reopened",
      reason: `not verified: ${reason}`,
    });
    const [check] = postedBodies<{ conclusion: string; output: { summary: string } }>(gh(), CHECK_RUNS);
    expect(check?.conclusion).toBe("failure");
    expect(check?.output.summary).toContain(`  - [Octocoders-linter](${red.html_url})`);
    const [comment, ...more] = comments();
    expect(more).toEqual([]);
    expect(comment).toMatch(/^\*\*Not verified: the finding is reopened\.\*\* /);
    expect(comment).toContain(`Why: ${reason}`);
    expect(comment).toContain("@acme/data-platform: this fix did not verify.");
    expect(comment?.match(/@acme\/data-platform/g)).toHaveLength(1);
    expect(comment).toContain(
      `Tracking issue: [${ORG}/${REPO}\\#40](https://github.com/${ORG}/${REPO}/issues/40)`,
    );
    // A red CI says nothing about the code: no new fix PR.
    expect(await listJobs(h.store.db, { kind: "remediate", state: "queued" })).toEqual([]);
  });

  it("green CI, clean code, but the source still sees the bucket public: reopened with its words", async () => {
    await mergeWithGreenCi();
    expect(await stateOf()).toBe("verifying");

    h.clock.advance(25 * MINUTE);
    const rescan = await h.postFindings(publicBucket("failed"));
    expect(rescan.body).toMatchObject({
      findings: [{ id: FINDING, state: "verifying", outcome: "updated" }],
    });
    mockVerdict(gh());
    gh()
      .post(`${R}/issues`)
      .reply(201, { number: 41, html_url: `https://github.com/${ORG}/${REPO}/issues/41` });
    h.clock.advance(5 * MINUTE);
    await h.drain();

    expect(await stateOf()).toBe("reopened");
    const reason =
      "S3.8 still fails according to the generic scan of 2026-11-20 10:25 UTC: generic reports S3.8 failed for arn:aws:s3:::prod-customer-data-backups (f-7f3a9c21)";
    expect((await auditTrail(h.store.db, FINDING)).at(-1)?.reason).toBe(`not verified: ${reason}`);
    const [comment, ...more] = comments();
    expect(more).toEqual([]);
    expect(comment).toContain("Why: S3.8 still fails according to the generic scan of 2026-11-20 10:25 UTC");
    expect(comment).toContain("arn:aws:s3:::prod-customer-data-backups");
    // The merged code is clean, so the fix engine has nothing different to do.
    expect(comment).toContain("there is no new pull request: the finding needs a person.");
    expect(await listJobs(h.store.db, { kind: "remediate", state: "queued" })).toEqual([]);
    expect(postedBodies<{ title: string }>(gh(), "/repos/{owner}/{repo}/issues")[0]?.title).toBe(
      "Fix not verified: Enable S3 Block Public Access on the bucket",
    );
  });
});

describe("a verification that never concludes, and webhooks GitHub delivers twice", () => {
  it("no re-scan within 72 hours: verification_overdue_at is set and the owners are told once", async () => {
    await mergeWithGreenCi();
    const deadline = (await getFinding(h.store.db, FINDING))?.verificationDeadline;
    expect(deadline).toBe(new Date(h.clock.clock() + 72 * 60 * MINUTE).toISOString());

    gh()
      .post(`${R}/issues/17/comments`)
      .reply(201, { id: 2, html_url: `${PR_URL}#issuecomment-2` });
    h.clock.advance(72 * 60 * MINUTE + 15 * MINUTE);
    await h.drain();

    const finding = await getFinding(h.store.db, FINDING);
    expect(finding?.state).toBe("verifying");
    expect(finding?.verificationOverdueAt).toBe(new Date(h.clock.clock()).toISOString());
    const [comment, ...more] = comments();
    expect(more).toEqual([]);
    expect(comment).toMatch(/^\*\*Verification overdue\.\*\* /);
    expect(comment).toContain(
      `by ${deadline?.slice(0, 10)} ${deadline?.slice(11, 16)} UTC fixloop still had no verdict`,
    );
    expect(comment).toContain("no re-scan by generic has reported on");
    expect(comment).toContain(`Evidence so far: [verification evidence](${EVIDENCE_URL})`);
    expect(comment).toContain("@acme/data-platform: please look at why the re-scan has not reported.");

    // The sweep runs again a quarter of an hour later: still one comment (a second is unmocked).
    h.clock.advance(15 * MINUTE);
    await h.drain();
    expect(comments()).toHaveLength(1);
  });

  it("a redelivered CI webhook wakes nothing and posts nothing twice", async () => {
    const { sha, delivery } = await mergeWithGreenCi("d-ci-once");
    const [waiting] = await listJobs(h.store.db, { kind: "verify", state: "queued" });
    const requests = gh().requests.length;

    // GitHub redelivers the same delivery: the waiting job is not moved, GitHub is not asked again.
    await h.probot.receive({ id: "d-ci-once", name: "check_run", payload: delivery });
    expect((await listJobs(h.store.db, { kind: "verify", state: "queued" }))[0]?.runAt).toBe(waiting?.runAt);
    expect(await h.drain()).toBe(0);
    expect(gh().requests.length).toBe(requests);

    await h.postFindings(publicBucket("passed"));
    mockVerdict(gh());
    h.clock.advance(30 * MINUTE);
    await h.drain();
    expect(await stateOf()).toBe("resolved");

    // Redelivered after the verdict, and again as the suite's delivery: one check run, one comment.
    await h.probot.receive({ id: "d-ci-once", name: "check_run", payload: delivery });
    await h.probot.receive({ id: "d-ci-suite", name: "check_suite", payload: checkSuiteDelivery(sha) });
    await h.probot.receive({ id: "d-ci-suite", name: "check_suite", payload: checkSuiteDelivery(sha) });
    await h.drain();
    expect(postedBodies(gh(), CHECK_RUNS)).toHaveLength(1);
    expect(comments()).toHaveLength(1);
    expect(await listJobs(h.store.db, { kind: "verify", state: "queued" })).toEqual([]);
  });

  it("a resolved finding seen failing again is reopened as a regression, both events in its trail", async () => {
    const sha = await mergeFix(h, fix);
    const delivery = checkRunDelivery(sha, "success");
    mockCi(gh(), sha, [delivery.check_run]);
    mockVerdict(gh());
    await h.postFindings(publicBucket("passed"));
    await h.probot.receive({ id: "d-ci-green", name: "check_run", payload: delivery });
    await h.drain();
    expect(await stateOf()).toBe("resolved");

    h.clock.advance(3 * 24 * 60 * MINUTE);
    const again = await h.postFindings(publicBucket("failed"));
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ findings: [{ id: FINDING, state: "reopened", outcome: "updated" }] });
    const before = gh().requests.length;
    gh()
      .post(`${R}/issues/17/comments`)
      .reply(201, { id: 2, html_url: `${PR_URL}#issuecomment-2` });
    gh()
      .post(`${R}/issues`)
      .reply(201, { number: 41, html_url: `https://github.com/${ORG}/${REPO}/issues/41` });
    await h.drain();

    const trail = await auditTrail(h.store.db, FINDING);
    const [resolved, regression] = trail.slice(-4, -2);
    expect(resolved).toMatchObject({
      from: "verifying",
      to: "resolved",
      actor: { kind: "app" },
      links: { pr: PR_URL, commit: sha },
    });
    expect(regression).toMatchObject({
      from: "resolved",
      to: "reopened",
      at: new Date(h.clock.clock()).toISOString(),
      actor: { kind: "ingest", source: "generic" },
      // It links back to the resolution it undoes: the same PR and merge commit, and when.
      reason: `regression: generic reports it failing again (f-7f3a9c21) after it was resolved; resolved on ${resolved?.at}`,
      links: { pr: PR_URL, commit: sha },
    });
    // The fix's PR is told once, with the owners; then the fix is computed again. The merged code
    // still has it, so there is no new PR: the tracking issue says the rule finds nothing to fix.
    expect(restRequestsSince(gh(), before)).toEqual([
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
      "POST /repos/{owner}/{repo}/issues",
    ]);
    const notice = postedBodies<{ body: string }>(gh(), COMMENTS).at(-1)?.body ?? "";
    expect(notice).toMatch(
      /^\*\*Regressed: the finding is open again\.\*\* Enable S3 Block Public Access on the bucket on `arn:aws:s3:::prod-customer-data-backups` was verified and resolved on 2026-11-20 10:\d\d UTC, but a later scan reports it failing\./,
    );
    expect(notice).toContain(`Evidence: [verification evidence](${EVIDENCE_URL})`);
    expect(notice).toContain("@acme/data-platform: this fix has regressed.");
    expect(trail.slice(-2).map((e) => `${e.from}→${e.to}: ${e.reason}`)).toEqual([
      "reopened→fixing: regression: fixloop computes the fix again on the current default branch (a new PR if the code no longer has it)",
      expect.stringMatching(/^fixing→unfixable: .*finds nothing to fix on aws_s3_bucket\.backups/),
    ]);
    const issue = postedBodies<{ title: string; body: string }>(gh(), "/repos/{owner}/{repo}/issues").at(-1);
    expect(issue?.body).toContain("the source may be stale or see something the code does not show");
    // A redelivered scan does not tell the PR again.
    await h.postFindings(publicBucket("failed"));
    await h.drain();
    expect(postedBodies(gh(), COMMENTS).filter((c) => String(c.body).startsWith("**Regressed"))).toHaveLength(
      1,
    );

    // The evidence an auditor opens shows the resolution and the regression, in order.
    const record = (await (await signedGet(h, EVIDENCE_PATH)).json()) as {
      finding: { state: string };
      audit: Array<{ from: string; to: string; actorLabel: string }>;
    };
    expect(record.finding.state).toBe("unfixable");
    expect(record.audit.slice(-4).map((e) => `${e.from}→${e.to}`)).toEqual([
      "verifying→resolved",
      "resolved→reopened",
      "reopened→fixing",
      "fixing→unfixable",
    ]);
  });
});
