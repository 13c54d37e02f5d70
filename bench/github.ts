// GitHub cost of the app, measured on the real app (Probot, store, git fetch, fix engine) with
// GitHub's REST API answered in-process by nock — so wall time is fixloop's own time, not GitHub's.
//  - requests per new PR once the repository is warm (target ≤ 6), and for a finding already
//    handled (target 0);
//  - requests per verified finding, from the merge webhook to `resolved` (target ≤ 5), with CI
//    reported by a replayed check_run delivery and the source's re-scan POSTed as passing;
//  - finding-to-PR latency, against the same run's baseline: planFix alone (locate + patch +
//    verify) for the same finding, so the ratio is what delivering it costs on top of the fix.
// Prints one JSON line (bench/run.ts reads it).

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import nock from "nock";
import { buildIndex } from "../src/hcl/index.ts";
import { planFix } from "../src/remediate/plan-fix.ts";
import { triagedFromStored } from "../src/remediate/stored-finding.ts";
import { findingSources, getFinding } from "../src/store/findings.ts";
import { INSTALLATION_ID, ORG, REPO, startHarness } from "../test/app/harness.ts";
import { checkRunDelivery } from "../test/app/verification-setup.ts";
import { mergedPullRequestExample, webhookExample, withIds } from "../test/github/kit/webhooks.ts";

const BUCKETS = 21; // one to warm the repository up, then twenty measured
const API = "https://api.github.com";

const bucketsTf = Array.from(
  { length: BUCKETS },
  (_, i) =>
    `resource "aws_s3_bucket" "b${i}" {\n  bucket = "bench-bucket-${i}"\n\n  tags = {\n    Team = "data-platform"\n  }\n}\n`,
).join("\n");
const finding = (i: number) => ({
  finding_id: `bench-${i}`,
  resource_arn: `arn:aws:s3:::bench-bucket-${i}`,
  severity: "HIGH",
  rule_id: "S3.8",
  context: { is_internet_reachable: true, owner_team: "data-platform" },
  metadata: { account_id: "123456789012", region: "us-east-1", first_seen: "2026-11-02T08:15:00Z" },
});

const h = await startHarness({
  files: {
    "envs/bench/buckets.tf": bucketsTf,
    ".github/fixloop.yml":
      "owners:\n  teams:\n    data-platform: acme/data-platform\nlimits:\n  openPrsPerRepository: 100\n  openPrsPerTeam: 100\n",
  },
});

const requests: string[] = [];
/** The patched file of each PR's tree, by PR order (to "merge" it into the repository later). */
const trees: Array<{ path: string; content: string }> = [];
nock.disableNetConnect();
nock.enableNetConnect(/127\.0\.0\.1|localhost/);
const scope = nock(API).persist();
scope.on("request", (req: { method: string; path: string }) => requests.push(`${req.method} ${req.path}`));
let pr = 0;
const config = `owners:\n  teams:\n    data-platform: acme/data-platform\nlimits:\n  openPrsPerRepository: 100\n  openPrsPerTeam: 100\n`;
scope
  .get(`/orgs/${ORG}/installation`)
  .reply(200, { id: INSTALLATION_ID })
  .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
  .reply(201, { token: "ghs_bench", expires_at: "2099-01-01T00:00:00Z" })
  .get(`/repos/${ORG}/.github/contents/.github%2Ffixloop.yml`)
  .reply(404, {})
  .get(`/repos/${ORG}/${REPO}/contents/.github%2Ffixloop.yml`)
  .reply(200, config)
  .get("/installation/repositories")
  .query(true)
  .reply(200, {
    total_count: 1,
    repositories: [{ name: REPO, owner: { login: ORG }, default_branch: "main", archived: false }],
  })
  .get(`/repos/${ORG}/${REPO}/labels`)
  .query(true)
  .reply(200, [])
  .post(`/repos/${ORG}/${REPO}/labels`)
  .reply(201, {})
  .post(`/repos/${ORG}/${REPO}/git/trees`)
  .reply(201, (_uri: string, body: { tree: Array<{ path: string; content: string }> }) => {
    trees.push(body.tree[0] as { path: string; content: string });
    return { sha: "t".repeat(40) };
  })
  .post(`/repos/${ORG}/${REPO}/git/commits`)
  .reply(201, { sha: "c".repeat(40) })
  .post(`/repos/${ORG}/${REPO}/git/refs`)
  .reply(201, {})
  .post(`/repos/${ORG}/${REPO}/pulls`)
  .reply(201, () => {
    pr++;
    return { number: pr, html_url: `https://github.com/${ORG}/${REPO}/pull/${pr}` };
  })
  .patch(/\/repos\/acme\/infra\/issues\/\d+/)
  .reply(200, {})
  .post(/\/repos\/acme\/infra\/pulls\/\d+\/requested_reviewers/)
  .reply(201, {});

const post = async (docs: unknown[]) => {
  const r = await h.postFindings(docs);
  if (r.status !== 202) throw new Error(`POST answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body as { findings: Array<{ id: string; state: string }> };
};

// Warm-up: the first PR pays for the installation token, the repository list, the configuration,
// the label set-up and the first git fetch.
await post([finding(0)]);
await h.drain();
const coldRequests = requests.length;

// Measured: twenty findings, one document, twenty PRs.
const measured = Array.from({ length: BUCKETS - 1 }, (_, i) => finding(i + 1));
const before = requests.length;
const started = performance.now();
const posted = await post(measured);
await h.drain();
const deliverMs = performance.now() - started;
const warmRequests = requests.length - before;
const opened = pr - 1;

// The same document again: every finding is already handled.
const beforeAgain = requests.length;
await post(measured);
await h.drain();
const repeatRequests = requests.length - beforeAgain;

// Baseline: planFix alone (locate + patch + verify) for each of the same findings.
const snapshotFiles = (
  await h.env.snapshot(INSTALLATION_ID, { owner: ORG, repo: REPO, defaultBranch: "main", archived: false })
).snapshot.files;
const index = buildIndex(snapshotFiles);
const baseStart = performance.now();
for (const f of posted.findings) {
  const stored = await getFinding(h.store.db, f.id);
  if (!stored) throw new Error(`finding ${f.id} missing`);
  await planFix(snapshotFiles, index, triagedFromStored(stored, await findingSources(h.store.db, f.id)));
}
const planMs = performance.now() - baseStart;

// Verification of the first PR: merged (its patch lands on the default branch), CI reported green
// by GitHub's recorded check_run delivery, the source's re-scan posted as passing → resolved.
const fix = trees[0] as { path: string; content: string };
const base = h.git("rev-parse", "HEAD").trim();
writeFileSync(join(h.repoDir, fix.path), fix.content);
h.git("commit", "--quiet", "-am", "Merge pull request #1");
const mergeSha = h.git("rev-parse", "HEAD").trim();
const ids = { owner: ORG, repo: REPO, installationId: INSTALLATION_ID };
const ci = checkRunDelivery(mergeSha, "success");
scope
  .get(`/repos/${ORG}/${REPO}/commits/${mergeSha}/check-runs`)
  .query(true)
  .reply(200, { total_count: 1, check_runs: [ci.check_run] })
  .get(`/repos/${ORG}/${REPO}/commits/${mergeSha}/statuses`)
  .query(true)
  .reply(200, [])
  .get(`/repos/${ORG}/${REPO}/branches/main`)
  .reply(200, { name: "main", protected: false })
  .post(`/repos/${ORG}/${REPO}/check-runs`)
  .reply(201, { id: 1, html_url: `https://github.com/${ORG}/${REPO}/runs/1` })
  .post(`/repos/${ORG}/${REPO}/issues/1/comments`)
  .reply(201, { id: 1 });
const beforeMerge = requests.length;
const merged = withIds(mergedPullRequestExample(), { ...ids, number: 1, mergeCommitSha: mergeSha });
await h.probot.receive({ id: "bench-merge", name: "pull_request", payload: merged });
const push = withIds(
  webhookExample("push", (p) => p.ref === `refs/heads/${p.repository.default_branch}`),
  { ...ids, baseSha: base, headSha: mergeSha },
);
await h.probot.receive({ id: "bench-push", name: "push", payload: push });
await h.probot.receive({ id: "bench-ci", name: "check_run", payload: ci });
await h.drain();
await post([{ ...finding(0), status: "passed" }]);
await h.drain();
const firstId = (await h.store.db.selectFrom("findings").select(["id", "state"]).execute()).find(
  (r) => r.state === "resolved",
);
if (!firstId) throw new Error("the merged finding was not resolved: verification did not conclude");
const verifyRequests = requests.slice(beforeMerge).filter((r) => !r.includes("/access_tokens")).length;

await h.close();
nock.cleanAll();
console.log(
  JSON.stringify({
    task: "github",
    ms: deliverMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    prs: opened,
    coldRequests,
    requestsPerPr: warmRequests / opened,
    repeatRequests,
    requestsPerVerified: verifyRequests,
    latencyMs: deliverMs / opened,
    planMs: planMs / opened,
  }),
);
