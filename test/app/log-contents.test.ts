// At debug level, Probot logs every GitHub request's body and every webhook's payload. A remediation
// run end to end at debug level must leave in the log the requests made — paths, statuses, sizes and
// hashes — and nothing of the Terraform it patched, the PR body it wrote, or a comment's text.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appLogger, describeContent } from "../../src/app/logger.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";
import {
  FIXTURES,
  type Harness,
  INSTALLATION_ID,
  mockConfig,
  mockFixPullRequest,
  mockInstallation,
  mockRepositories,
  ORG,
  REPO,
  startHarness,
} from "./harness.ts";

const gh = useMockGitHub();
const PUBLIC_BUCKET = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/public-bucket.json"), "utf8"));
const MAIN_TF = readFileSync(join(FIXTURES, "repos/cspm-demo/envs/prod/main.tf"), "utf8");
const COMMENT = "Internal note: the prod backups bucket holds customer exports, ask Dana before merging.";

let h: Harness;
let lines: string[];
beforeEach(async () => {
  const out = new PassThrough();
  lines = [];
  out.on("data", (chunk) => lines.push(...String(chunk).split("\n").filter(Boolean)));
  h = await startHarness({ log: await appLogger({ LOG_LEVEL: "debug", LOG_FORMAT: "json" }, out) });
});
afterEach(async () => {
  await h.close();
});

describe("the log at debug level", () => {
  it("holds the requests of a remediation, and no file content, PR body or comment text", async () => {
    mockInstallation(gh());
    expect((await h.postFindings(PUBLIC_BUCKET)).status).toBe(202);
    mockRepositories(gh());
    mockConfig(gh(), REPO, "owners:\n  teams:\n    data-platform: acme/data-platform\n");
    mockFixPullRequest(gh(), "fixloop/x");
    await h.drain();

    const payload = withIds(
      webhookExample("issue_comment", (p) => p.action === "created"),
      { owner: ORG, repo: REPO, installationId: INSTALLATION_ID, number: 17 },
    );
    payload.comment.body = COMMENT;
    await h.probot.receive({ id: "d-log-1", name: "issue_comment", payload });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the transform stream is asynchronous

    const tree = gh().requests.find((r) => r.route === "/repos/{owner}/{repo}/git/trees")!;
    const patched = (tree.body as { tree: Array<{ content: string }> }).tree[0]!.content;
    const prBody = (
      gh().requests.find((r) => r.route === "/repos/{owner}/{repo}/pulls")!.body as { body: string }
    ).body;
    const log = lines.join("\n");

    // Debug was on: the requests are there, with what was sent described by size and hash.
    expect(log).toContain("GitHub request: POST https://api.github.com/repos/acme/infra/git/trees - 201");
    expect(log).toContain("GitHub request: POST https://api.github.com/repos/acme/infra/pulls - 201");
    expect(log).toContain('"msg":"Webhook received"');
    expect(log).toContain(describeContent(patched));
    expect(log).toContain(describeContent(prBody));
    expect(log).toContain('"path":"envs/prod/main.tf"');

    // Nothing of the contents, in any form a line of them would take.
    const distinct = (text: string) =>
      text
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.length >= 24);
    for (const line of [...distinct(MAIN_TF), ...distinct(patched), ...distinct(prBody)])
      expect(log, line).not.toContain(JSON.stringify(line).slice(1, -1));
    expect(log).not.toContain("ask Dana before merging");
    expect(log).not.toContain(Buffer.from(patched).toString("base64").slice(0, 40));
  });
});

describe("describeContent", () => {
  it("gives the size in bytes and the start of the SHA-256", () => {
    expect(describeContent("héllo")).toBe("<6 bytes, sha256 3c48591d8d09>");
    expect(describeContent({ a: 1 })).toBe(describeContent('{"a":1}'));
  });
});
