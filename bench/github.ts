// GitHub cost of the app, measured on the real app (Probot, store, git fetch, fix engine) with
// GitHub's REST API answered in-process by nock — so wall time is fixloop's own time, not GitHub's.
//  - requests per new PR once the repository is warm (target ≤ 6), and for a finding already
//    handled (target 0);
//  - finding-to-PR latency, against the same run's baseline: planFix alone (locate + patch +
//    verify) for the same finding, so the ratio is what delivering it costs on top of the fix.
// Prints one JSON line (bench/run.ts reads it).

import { performance } from "node:perf_hooks";
import nock from "nock";
import { buildIndex } from "../src/hcl/index.ts";
import { planFix } from "../src/remediate/plan-fix.ts";
import { triagedFromStored } from "../src/remediate/stored-finding.ts";
import { findingSources, getFinding } from "../src/store/findings.ts";
import { INSTALLATION_ID, ORG, REPO, startHarness } from "../test/app/harness.ts";

const BUCKETS = 21; // one to warm the repository up, then twenty measured
const API = "https://api.github.com";

const bucketsTf = Array.from(
  { length: BUCKETS },
  (_, i) => `resource "aws_s3_bucket" "b${i}" {\n  bucket = "bench-bucket-${i}"\n\n  tags = {\n    Team = "data-platform"\n  }\n}\n`,
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
  .reply(200, { total_count: 1, repositories: [{ name: REPO, owner: { login: ORG }, default_branch: "main", archived: false }] })
  .get(`/repos/${ORG}/${REPO}/labels`)
  .query(true)
  .reply(200, [])
  .post(`/repos/${ORG}/${REPO}/labels`)
  .reply(201, {})
  .post(`/repos/${ORG}/${REPO}/git/trees`)
  .reply(201, { sha: "t".repeat(40) })
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
const snapshotFiles = (await h.env.snapshot(INSTALLATION_ID, { owner: ORG, repo: REPO, defaultBranch: "main", archived: false }))
  .snapshot.files;
const index = buildIndex(snapshotFiles);
const baseStart = performance.now();
for (const f of posted.findings) {
  const stored = await getFinding(h.store.db, f.id);
  if (!stored) throw new Error(`finding ${f.id} missing`);
  await planFix(snapshotFiles, index, triagedFromStored(stored, await findingSources(h.store.db, f.id)));
}
const planMs = performance.now() - baseStart;

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
    latencyMs: deliverMs / opened,
    planMs: planMs / opened,
  }),
);
