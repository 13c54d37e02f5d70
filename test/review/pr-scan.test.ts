// End to end through the app: the `fixloop/scan` check run on a person's pull request. The PR adds
// a bucket to envs/prod; fixloop fetches that directory only, at head and base in one GraphQL
// request (its tree with the blobs' texts), scans base and head, and annotates what the head introduces on
// its exact lines with the fix as a suggestion — not what the base already had, not what a
// `#checkov:skip` in the code suppresses. The conclusion follows `prScan`.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  FIXTURES,
  type Harness,
  INSTALLATION_ID,
  mockConfig,
  ORG,
  REPO,
  startHarness,
} from "../app/harness.ts";
import { answerDirectories, entriesOf } from "../github/kit/graphql-trees.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";

const gh = useMockGitHub();
const R = `/repos/${ORG}/${REPO}`;
const PR = 32;
const BASE = "a".repeat(40);
const HEAD = "b".repeat(40);
const MAIN_TF = readFileSync(join(FIXTURES, "repos/cspm-demo/envs/prod/main.tf"), "utf8");
const UPLOADS = [
  "",
  'resource "aws_s3_bucket" "uploads" {',
  "  #checkov:skip=CKV_AWS_21:uploads are write-once, versions add nothing",
  '  bucket = "${local.name_prefix}-uploads"',
  "}",
  "",
].join("\n");
const NEW_LINE = MAIN_TF.split("\n").length + 1; // the `resource "aws_s3_bucket" "uploads"` line

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const sha = (c: string) => c.repeat(40);
const sameMembers = (a: unknown[], b: unknown[]) =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

const VARIABLES_TF = 'variable "environment" {\n  type = string\n}\n';
/** The repository at a ref: the PR's directory, a sibling it does not change, a README. */
const repoAt = (main: string) => ({
  "envs/prod/main.tf": main,
  "envs/prod/variables.tf": VARIABLES_TF,
  "envs/staging/main.tf": MAIN_TF,
  "README.md": "# infra\n",
});

function mockScan(config: string | null, uploads = UPLOADS, head = HEAD) {
  gh().post(`/app/installations/${INSTALLATION_ID}/access_tokens`).times(5).optionally().reply(201, {
    token: "ghs_installationtoken",
    expires_at: "2026-11-20T11:00:00Z",
  });
  // The organization's .github/fixloop.yml is read only when the repository has none.
  gh()
    .get(`/repos/${ORG}/.github/contents/.github/fixloop.yml`)
    .optionally()
    .reply(404, { message: "Not Found" });
  // Read once per process: a later delivery uses what the first one read.
  if (config !== null) mockConfig(gh(), REPO, config);
  const patch = `@@ -45,0 +46,6 @@\n${uploads
    .split("\n")
    .map((l) => `+${l}`)
    .join("\n")}`;
  gh()
    .get(`${R}/pulls/${PR}/files?per_page=100`)
    .reply(200, [
      {
        sha: sha("7"),
        filename: "envs/prod/main.tf",
        status: "modified",
        additions: 6,
        deletions: 0,
        changes: 6,
        blob_url: "https://github.com/x",
        raw_url: "https://github.com/x",
        contents_url: "https://api.github.com/x",
        patch,
      },
    ]);
  // envs/prod at head and base, in one GraphQL request.
  const refs: Record<string, Record<string, string>> = {
    [head]: repoAt(MAIN_TF + uploads),
    [BASE]: repoAt(MAIN_TF),
  };
  const expressions = ["acme", "infra", `${head}:envs/prod`, `${BASE}:envs/prod`];
  gh()
    .post("/graphql", (b) => sameMembers(Object.values(b.variables), expressions))
    .reply(200, (_uri, body) => answerDirectories(body, (ref, dir) => entriesOf(refs[ref] ?? {}, dir)));
  gh().post(`${R}/check-runs`).reply(201, { id: 77, html_url: "https://github.com/acme/infra/runs/77" });
}

function delivery(action: "opened" | "synchronize" = "opened", headSha = HEAD, labels: string[] = []) {
  const payload = withIds(
    webhookExample("pull_request", (p) => p.action === action && p.installation !== undefined),
    { owner: ORG, repo: REPO, installationId: INSTALLATION_ID, number: PR, headSha, baseSha: BASE },
  );
  // The PR's labels as GitHub lists them in the delivery (beside the example's own).
  const listed = payload.pull_request.labels as unknown as Array<Record<string, unknown>>;
  for (const name of labels) listed.push({ ...listed[0], id: 4_000_001, name, color: "b60205" });
  return payload;
}

const checkRun = () =>
  gh().requests.find((r) => r.route === "/repos/{owner}/{repo}/check-runs")?.body as {
    name: string;
    head_sha: string;
    conclusion: string;
    /** As GitHub's checks API takes it (the port maps its camelCase annotations to these). */
    output: {
      title: string;
      summary: string;
      annotations: Array<{
        path: string;
        start_line: number;
        end_line: number;
        annotation_level: string;
        title?: string;
        message: string;
      }>;
    };
  };

describe("the fixloop/scan check run", () => {
  it("annotates what the PR introduces on its exact lines, with the fix, and fails at the configured tier", async () => {
    mockScan("prScan:\n  conclusion: failure\n  failAt: high\n");
    // A cold repository: the label is created once with fixloop's colour, then put on the PR.
    gh().get(`${R}/labels?per_page=100`).reply(200, []);
    gh()
      .post(`${R}/labels`, (b) => b.name === "security-review-required")
      .reply(201, {});
    gh()
      .post(`${R}/issues/${PR}/labels`, { labels: ["security-review-required"] })
      .reply(200, []);
    await h.probot.receive({ id: "scan-1", name: "pull_request", payload: delivery() });

    const run = checkRun();
    expect(run).toMatchObject({ name: "fixloop/scan", head_sha: HEAD, conclusion: "failure" });
    // Not aws_s3_bucket.backups' missing block (already in the base), not the versioning the
    // `#checkov:skip=CKV_AWS_21` suppresses: only the new bucket's public access.
    expect(run.output.title).toBe("1 new finding(s)");
    expect(run.output.annotations).toEqual([
      {
        path: "envs/prod/main.tf",
        start_line: NEW_LINE,
        end_line: NEW_LINE,
        annotation_level: "failure",
        title: "aws-s3-public-access-block (high): aws_s3_bucket.uploads",
        message: [
          "aws_s3_bucket.uploads has no aws_s3_bucket_public_access_block",
          "",
          "Suggested fix (fixloop aws-s3-public-access-block):",
          "--- a/envs/prod/main.tf",
          "+++ b/envs/prod/main.tf",
          "@@ -48,3 +48,12 @@",
          "   #checkov:skip=CKV_AWS_21:uploads are write-once, versions add nothing",
          '   bucket = "${local.name_prefix}-uploads"',
          " }",
          "+",
          '+resource "aws_s3_bucket_public_access_block" "uploads" {',
          "+  bucket = aws_s3_bucket.uploads.id",
          "+",
          "+  block_public_acls       = true",
          "+  block_public_policy     = true",
          "+  ignore_public_acls      = true",
          "+  restrict_public_buckets = true",
          "+}",
        ].join("\n"),
      },
    ]);
    expect(run.output.summary).toBe(
      "Scanned `envs/prod` at base and head.\n\nIt introduces 1 finding(s): aws-s3-public-access-block on `aws_s3_bucket.uploads` (`envs/prod/main.tf:47`).",
    );
    const routes = gh()
      .requests.filter((r) => !/access_tokens|contents/.test(r.path))
      .map((r) => `${r.method} ${r.path}`);
    expect(routes).toEqual([
      `GET ${R}/pulls/${PR}/files?per_page=100`,
      "POST /graphql",
      `POST ${R}/check-runs`,
      `GET ${R}/labels?per_page=100`,
      `POST ${R}/labels`,
      `POST ${R}/issues/${PR}/labels`,
    ]);
  });

  it("without the suppression reports versioning too; by default the conclusion is neutral, no label below the tiers", async () => {
    const plain = UPLOADS.replace(
      "  #checkov:skip=CKV_AWS_21:uploads are write-once, versions add nothing\n",
      "  # no skip\n",
    );
    mockScan("securityReview:\n  tiers: [critical]\n", plain);
    await h.probot.receive({ id: "scan-2", name: "pull_request", payload: delivery() });
    const run = checkRun();
    expect(run.conclusion).toBe("neutral");
    expect(run.output.annotations.map((a) => [a.start_line, a.annotation_level, a.title])).toEqual([
      [NEW_LINE, "failure", "aws-s3-public-access-block (high): aws_s3_bucket.uploads"],
      [NEW_LINE, "warning", "aws-s3-versioning (medium): aws_s3_bucket.uploads"],
    ]);
    expect(gh().count("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels")).toBe(0);
  });

  it("succeeds when the PR introduces nothing", async () => {
    mockScan("", "\n# a comment only\n\n\n\n\n");
    await h.probot.receive({ id: "scan-3", name: "pull_request", payload: delivery() });
    expect(checkRun()).toMatchObject({ conclusion: "success", output: { title: "No new findings" } });
  });

  // Issue 16: the label the scan put on comes off when a later push removes the misconfiguration —
  // but only when no associated finding still needs it, and never a label a person put on.
  const HEAD2 = "c".repeat(40);
  const LABEL = "security-review-required";
  const labelRequests = () =>
    gh()
      .requests.filter((r) => /labels/.test(r.path))
      .map((r) => `${r.method} ${r.path}`);

  it("takes its label off when a later push removes what needed review", async () => {
    mockScan("prScan:\n  conclusion: failure\n");
    gh()
      .get(`${R}/labels?per_page=100`)
      .reply(200, [{ name: LABEL }]);
    gh()
      .post(`${R}/issues/${PR}/labels`, { labels: [LABEL] })
      .reply(200, []);
    await h.probot.receive({ id: "scan-4", name: "pull_request", payload: delivery() });
    // The next push takes the bucket out again: nothing new, the label fixloop put on comes off.
    mockScan(null, "\n# the bucket is gone\n\n\n\n\n", HEAD2);
    gh().delete(`${R}/issues/${PR}/labels/${LABEL}`).reply(200, []);
    await h.probot.receive({
      id: "scan-5",
      name: "pull_request",
      payload: delivery("synchronize", HEAD2, [LABEL]),
    });
    expect(labelRequests()).toEqual([
      `GET ${R}/labels?per_page=100`,
      `POST ${R}/issues/${PR}/labels`,
      `DELETE ${R}/issues/${PR}/labels/${LABEL}`,
    ]);
    // Redelivered, the push acts once: nothing more is asked of GitHub.
    const count = gh().requests.length;
    await h.probot.receive({
      id: "scan-5",
      name: "pull_request",
      payload: delivery("synchronize", HEAD2, [LABEL]),
    });
    expect(gh().requests.length).toBe(count);
  });

  it("never takes off the label a person put on", async () => {
    mockScan("prScan:\n  conclusion: failure\n");
    // The label is already there (a reviewer added it): not added again, and not fixloop's.
    await h.probot.receive({
      id: "scan-6",
      name: "pull_request",
      payload: delivery("opened", HEAD, [LABEL]),
    });
    mockScan(null, "\n# the bucket is gone\n\n\n\n\n", HEAD2);
    await h.probot.receive({
      id: "scan-7",
      name: "pull_request",
      payload: delivery("synchronize", HEAD2, [LABEL]),
    });
    expect(labelRequests()).toEqual([]);
  });
});
