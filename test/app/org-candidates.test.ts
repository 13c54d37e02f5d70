// Issue 19: after the app has indexed an organization's repositories, a finding is looked for only
// in the repositories whose code could define its resource — and in any pushed to since it read
// them (the push webhook gives the new head), so a resource added by a push is found there.
// Real git repositories (file://), the real app environment, GitHub mocked by the kit.

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseFindings } from "../../src/findings/registry.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";
import { type Harness, INSTALLATION_ID, ORG, startHarness } from "./harness.ts";
import { bucketsOf, orgRepository } from "./org-repositories.ts";

const gh = useMockGitHub();
const NAMES = ["data", "web"];
const REPOS = NAMES.map(orgRepository);
/** The seed payload's shape (fixtures/findings/generic). */
const finding = (bucket: string) =>
  parseFindings(
    [
      {
        finding_id: `f-${bucket}`,
        resource_arn: `arn:aws:s3:::${bucket}`,
        severity: "HIGH",
        rule_id: "S3.8",
        metadata: { account_id: "123456789012", region: "us-east-1" },
      },
    ],
    { catalogIdFor: () => null },
    "auto",
  ).findings[0]!;

let h: Harness;
const dirOf = (name: string) => join(h.repoDir, "..", name);
function git(name: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
    cwd: dirOf(name),
    encoding: "utf8",
  });
}
const candidates = (bucket: string) => h.env.candidates(REPOS, finding(bucket)).map((r) => r.repo);

beforeEach(async () => {
  h = await startHarness();
  for (const name of NAMES) {
    mkdirSync(dirOf(name), { recursive: true });
    git(name, "init", "--quiet", "--initial-branch=main");
    git(name, "config", "uploadpack.allowFilter", "true");
    writeFileSync(join(dirOf(name), "main.tf"), bucketsOf(name, 1));
    git(name, "add", "-A");
    git(name, "commit", "--quiet", "-m", "initial");
  }
  gh()
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .times(10)
    .optionally()
    .reply(201, { token: "ghs_installationtoken", expires_at: "2026-11-20T11:00:00Z" });
});
afterEach(async () => {
  await h.close();
});

describe("the repositories a finding is looked for in", () => {
  it("are all of them before any was indexed, then only the one defining the resource", async () => {
    expect(candidates("acme-web-0")).toEqual(["data", "web"]);
    expect(h.env.defining(REPOS, finding("acme-web-0"))).toEqual([]);
    for (const r of REPOS) await h.env.snapshot(INSTALLATION_ID, r);
    expect(candidates("acme-web-0")).toEqual(["web"]);
    expect(candidates("acme-data-0")).toEqual(["data"]);
    expect(candidates("acme-nowhere")).toEqual([]);
    // What the map knows defines the bucket's name: searched before the learned repository.
    expect(h.env.defining(REPOS, finding("acme-web-0")).map((r) => r.repo)).toEqual(["web"]);
    expect(h.env.defining(REPOS, finding("acme-nowhere"))).toEqual([]);
  });

  it("include a repository pushed to since it was indexed, until it is read again", async () => {
    for (const r of REPOS) await h.env.snapshot(INSTALLATION_ID, r);
    const base = git("data", "rev-parse", "HEAD").trim();
    writeFileSync(join(dirOf("data"), "main.tf"), bucketsOf("data", 2));
    git("data", "commit", "--quiet", "-am", "a second bucket");
    const head = git("data", "rev-parse", "HEAD").trim();
    const push = withIds(
      webhookExample("push", (p) => p.ref === `refs/heads/${p.repository.default_branch}`),
      { owner: ORG, repo: "data", installationId: INSTALLATION_ID, baseSha: base, headSha: head },
    );
    await h.probot.receive({ id: "push-data", name: "push", payload: push });

    expect(candidates("acme-data-1")).toEqual(["data"]);
    expect(candidates("acme-web-0")).toEqual(["data", "web"]);
    const read = await h.env.snapshot(INSTALLATION_ID, orgRepository("data"));
    expect(read.snapshot).toMatchObject({ sha: head, fetched: true });
    expect(candidates("acme-data-1")).toEqual(["data"]);
    expect(candidates("acme-web-0")).toEqual(["web"]);
  });
});
