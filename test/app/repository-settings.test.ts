// What a repository's settings change about a remediation, through the real app: a team's open-PR
// budget, a catalog rule turned off in the repository's fixloop.yml, and an archived repository
// (which GitHub will not let anyone push to, so fixloop never looks in it).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { getFinding } from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { FIXTURES, type Harness, mockConfig, mockInstallation, ORG, REPO, startHarness } from "./harness.ts";

const gh = useMockGitHub();
const PUBLIC_BUCKET = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/public-bucket.json"), "utf8"));
/** acme's finding for the demo's public bucket (owner_team data-platform, rule S3.8). */
const FINDING = "2246b397c614a4456bf7b417";
const OWNERS = "owners:\n  teams:\n    data-platform: acme/data-platform\n";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function issueBody(): string {
  const r = gh().requests.find((x) => x.method === "POST" && x.route === "/repos/{owner}/{repo}/issues");
  return ((r?.body ?? {}) as { body: string }).body;
}

/** GET /installation/repositories as GitHub answers it, with `archived` per repository. */
function repositories(list: Array<{ name: string; archived: boolean }>) {
  gh()
    .get("/installation/repositories?per_page=100")
    .reply(200, {
      total_count: list.length,
      repositories: list.map((r, i) => ({
        id: 1000 + i,
        name: r.name,
        full_name: `${ORG}/${r.name}`,
        owner: { login: ORG },
        default_branch: "main",
        archived: r.archived,
      })),
    });
}

describe("a team's open-PR budget", () => {
  it.each([
    ["limits.openPrsPerTeam", `${OWNERS}limits:\n  openPrsPerTeam: 0\n`],
    ["limits.teams for that team", `${OWNERS}limits:\n  teams:\n    acme/data-platform: 0\n`],
  ])("spent (%s): the fix waits in the queue, no PR is opened", async (_what, yaml) => {
    h = await startHarness();
    mockInstallation(gh());
    repositories([{ name: REPO, archived: false }]);
    mockConfig(gh(), REPO, yaml);
    await h.postFindings(PUBLIC_BUCKET);
    await h.drain();
    expect(gh().count("POST", "/repos/{owner}/{repo}/pulls")).toBe(0);
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("fixing");
    const [job] = await listJobs(h.store.db, { kind: "remediate", state: "queued" });
    expect(job).toMatchObject({ runAt: h.clock.clock() + 15 * 60_000, priority: 68 });
  });
});

describe("a rule disabled in the repository's fixloop.yml", () => {
  it("no PR: the finding is unfixable, and its issue names the rule and the file", async () => {
    h = await startHarness();
    mockInstallation(gh());
    repositories([{ name: REPO, archived: false }]);
    mockConfig(gh(), REPO, `${OWNERS}rules:\n  disabled: [aws-s3-public-access-block]\n`);
    gh()
      .post(`/repos/${ORG}/${REPO}/issues`, (b) => b.title.length > 0)
      .reply(201, { number: 6, html_url: `https://github.com/${ORG}/${REPO}/issues/6` });
    await h.postFindings(PUBLIC_BUCKET);
    await h.drain();
    expect(gh().count("POST", "/repos/{owner}/{repo}/pulls")).toBe(0);
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("unfixable");
    expect(issueBody()).toContain("rule aws-s3-public-access-block is disabled in acme/infra's fixloop.yml");
  });
});

describe("an archived repository", () => {
  it("is never searched: the finding defined only there is unlocatable, and nothing is pushed", async () => {
    h = await startHarness();
    mockInstallation(gh(), { orgConfig: "triageRepository: security-triage\n" });
    // acme/infra defines the bucket, but it is archived: fixloop neither reads nor pushes to it.
    repositories([{ name: REPO, archived: true }]);
    gh()
      .post(`/repos/${ORG}/security-triage/issues`)
      .reply(201, { number: 9, html_url: `https://github.com/${ORG}/security-triage/issues/9` });
    await h.postFindings(PUBLIC_BUCKET);
    await h.drain();
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("unlocatable");
    expect(gh().count("POST", "/repos/{owner}/{repo}/git/trees")).toBe(0);
    // Not even its fixloop.yml is read: the only requests about acme/infra are none.
    expect(gh().requests.filter((r) => r.path.startsWith(`/repos/${ORG}/${REPO}/`))).toEqual([]);
    expect(issueBody()).toContain(
      "no Terraform block in 0 repositories defines this resource (searched every repository fixloop may consider)",
    );
  });
});
