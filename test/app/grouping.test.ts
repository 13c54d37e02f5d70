// grouping: per-file — two public buckets defined in one file become one PR carrying both fixes,
// not two PRs; the second finding joins the first one's PR with a new commit fixing both.
// grouping: per-resource — the same two buckets are two resources, so two groups and two PRs.

import { afterEach, expect, it } from "vitest";
import { stableId } from "../../src/findings/hash.ts";
import { getFinding } from "../../src/store/findings.ts";
import { remediationsOf } from "../../src/store/remediations.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import {
  type Harness,
  mockConfig,
  mockInstallation,
  mockRepositories,
  ORG,
  REPO,
  startHarness,
} from "./harness.ts";

const gh = useMockGitHub();
const DATA_TF = ["exports", "reports"]
  .map((name) => `resource "aws_s3_bucket" "${name}" {\n  bucket = "acme-${name}"\n}\n`)
  .join("\n");
const finding = (name: string) => ({
  finding_id: `f-${name}`,
  resource_arn: `arn:aws:s3:::acme-${name}`,
  severity: "HIGH",
  rule_id: "S3.8",
  context: { is_internet_reachable: true, owner_team: "data-platform" },
  metadata: { account_id: "123456789012", region: "us-east-1", first_seen: "2026-11-02T08:15:00Z" },
});

// fixloop/group/<first 12 of the hash of "acme/infra\nfile:envs/prod/data.tf">
const GROUP_BRANCH = `fixloop/group/${stableId(`${ORG}/${REPO}\nfile:envs/prod/data.tf`, 24).slice(0, 12)}`;

/** The fixtures' findings were detected long before the harness's clock; these tests are not
 *  about the SLA (test/app/sla.test.ts is), so the organization gives them 90 days. */
const LONG_SLA = "slaHours:\n  critical: 2160\n  high: 2160\n  medium: 2160\n";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

it("two findings on one file share one PR, whose commit fixes both", async () => {
  h = await startHarness({ files: { "envs/prod/data.tf": DATA_TF } });
  mockInstallation(gh(), { orgConfig: LONG_SLA });
  mockRepositories(gh());
  mockConfig(gh(), REPO, "grouping: per-file\nowners:\n  teams:\n    data-platform: acme/data-platform\n");
  gh()
    .get(`/repos/${ORG}/${REPO}/labels?per_page=100`)
    .reply(200, [
      { name: "security" },
      { name: "fixloop" },
      { name: "risk:high" },
      { name: "security-review-required" },
    ]);
  gh()
    .post(`/repos/${ORG}/${REPO}/git/trees`)
    .times(2)
    .reply(201, { sha: "e".repeat(40) });
  gh()
    .post(`/repos/${ORG}/${REPO}/git/commits`)
    .reply(201, { sha: "1".repeat(40) });
  gh()
    .post(`/repos/${ORG}/${REPO}/git/commits`)
    .reply(201, { sha: "2".repeat(40) });
  gh().post(`/repos/${ORG}/${REPO}/git/refs`).reply(201, {});
  gh()
    .post(`/repos/${ORG}/${REPO}/pulls`)
    .reply(201, { number: 17, html_url: `https://github.com/${ORG}/${REPO}/pull/17` });
  gh().patch(`/repos/${ORG}/${REPO}/issues/17`).reply(200, {});
  gh().post(`/repos/${ORG}/${REPO}/pulls/17/requested_reviewers`).reply(201, {});
  gh().patch(`/repos/${ORG}/${REPO}/git/refs/heads/${GROUP_BRANCH}`).reply(200, {});
  gh().patch(`/repos/${ORG}/${REPO}/pulls/17`).reply(200, {});

  const posted = await h.postFindings([finding("exports"), finding("reports")]);
  const ids = (posted.body.findings as Array<{ id: string }>).map((f) => f.id);
  await h.drain();

  expect(gh().count("POST", "/repos/{owner}/{repo}/pulls")).toBe(1);
  for (const id of ids) {
    expect((await getFinding(h.store.db, id))?.state).toBe("pr_open");
    expect((await remediationsOf(h.store.db, id))[0]).toMatchObject({ prNumber: 17, prState: "open" });
  }
  // The second commit carries both fixes, and the refreshed body names both findings.
  const trees = gh().requests.filter((r) => r.route === "/repos/{owner}/{repo}/git/trees");
  const last = ((trees.at(-1)?.body ?? {}) as { tree: Array<{ path: string; content: string }> }).tree;
  expect(last.map((t) => t.path)).toEqual(["envs/prod/data.tf"]);
  expect(last[0]?.content).toContain('resource "aws_s3_bucket_public_access_block" "exports" {');
  expect(last[0]?.content).toContain('resource "aws_s3_bucket_public_access_block" "reports" {');
  const update = gh().requests.find(
    (r) => r.method === "PATCH" && r.route === "/repos/{owner}/{repo}/pulls/{pull_number}",
  );
  const body = ((update?.body ?? {}) as { body: string }).body;
  expect(body.split("\n")[0]).toMatch(
    new RegExp(`^<!-- fixloop:finding=(${ids[0]},${ids[1]}|${ids[1]},${ids[0]}) v=1 -->$`),
  );
  const commit = gh()
    .requests.filter((r) => r.route === "/repos/{owner}/{repo}/git/commits")
    .at(-1);
  expect(((commit?.body ?? {}) as { message: string }).message).toContain(`Fixloop-Finding: ${ids[0]}`);
  expect(((commit?.body ?? {}) as { message: string }).message).toContain(`Fixloop-Finding: ${ids[1]}`);
});

it("per-resource: two buckets in one file are two groups, so two PRs on two group branches", async () => {
  h = await startHarness({ files: { "envs/prod/data.tf": DATA_TF } });
  mockInstallation(gh(), { orgConfig: LONG_SLA });
  mockRepositories(gh());
  mockConfig(
    gh(),
    REPO,
    "grouping: per-resource\nowners:\n  teams:\n    data-platform: acme/data-platform\n",
  );
  gh()
    .get(`/repos/${ORG}/${REPO}/labels?per_page=100`)
    .reply(200, [
      { name: "security" },
      { name: "fixloop" },
      { name: "risk:high" },
      { name: "security-review-required" },
    ]);
  gh()
    .post(`/repos/${ORG}/${REPO}/git/trees`)
    .times(2)
    .reply(201, { sha: "e".repeat(40) });
  gh()
    .post(`/repos/${ORG}/${REPO}/git/commits`)
    .times(2)
    .reply(201, { sha: "1".repeat(40) });
  gh().post(`/repos/${ORG}/${REPO}/git/refs`).times(2).reply(201, {});
  gh()
    .post(`/repos/${ORG}/${REPO}/pulls`)
    .reply(201, { number: 17, html_url: `https://github.com/${ORG}/${REPO}/pull/17` });
  gh()
    .post(`/repos/${ORG}/${REPO}/pulls`)
    .reply(201, { number: 18, html_url: `https://github.com/${ORG}/${REPO}/pull/18` });
  for (const n of [17, 18]) {
    gh().patch(`/repos/${ORG}/${REPO}/issues/${n}`).reply(200, {});
    gh().post(`/repos/${ORG}/${REPO}/pulls/${n}/requested_reviewers`).reply(201, {});
  }

  const posted = await h.postFindings([finding("exports"), finding("reports")]);
  const ids = (posted.body.findings as Array<{ id: string }>).map((f) => f.id);
  await h.drain();

  expect(gh().count("POST", "/repos/{owner}/{repo}/pulls")).toBe(2);
  // fixloop/group/<first 12 of the hash of "acme/infra\nresource:<file>#<address>">, one per bucket.
  const branch = (name: string) =>
    `refs/heads/fixloop/group/${stableId(`${ORG}/${REPO}\nresource:envs/prod/data.tf#aws_s3_bucket.${name}`, 24).slice(0, 12)}`;
  const refs = gh()
    .requests.filter((r) => r.route === "/repos/{owner}/{repo}/git/refs")
    .map((r) => (r.body as { ref: string }).ref);
  expect(refs.sort()).toEqual([branch("exports"), branch("reports")].sort());
  const prs = await Promise.all(ids.map(async (id) => (await remediationsOf(h.store.db, id))[0]?.prNumber));
  expect(prs.sort()).toEqual([17, 18]);
  for (const id of ids) expect((await getFinding(h.store.db, id))?.state).toBe("pr_open");
});
