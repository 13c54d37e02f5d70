// End to end: a finding's owner team, or the resource's Team tag, names a team of the organization
// that fixloop.yml does not map: the PR goes to <org>/<team> (asked of GitHub once per installation)
// and its body says where the owner came from.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { remediationsOf } from "../../src/store/remediations.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import {
  FIXTURES,
  type Harness,
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
const FINDING_ID = "2246b397c614a4456bf7b417";
const TEAM = { id: 7, node_id: "T_7", slug: "data-platform", name: "Data Platform", privacy: "closed" };

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function requestBody(method: string, route: string): Record<string, unknown> {
  const r = gh().requests.find((x) => x.method === method && x.route === route);
  if (!r) throw new Error(`no ${method} ${route}`);
  return r.body as Record<string, unknown>;
}

describe("owners from the organization's teams", () => {
  it("routes the finding's owner_team to the organization's team of that name (no owners.teams)", async () => {
    mockInstallation(gh());
    mockRepositories(gh());
    mockConfig(gh(), REPO, null);
    mockConfig(gh(), ".github", null); // no file in the repository: Probot reads the org's default
    gh().get(`/orgs/${ORG}/teams/data-platform`).reply(200, TEAM);
    mockFixPullRequest(gh());
    await h.postFindings(PUBLIC_BUCKET);
    await h.drain();

    expect(requestBody("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers")).toEqual({
      team_reviewers: ["data-platform"],
    });
    const body = String(requestBody("POST", "/repos/{owner}/{repo}/pulls").body);
    expect(body).toContain(
      'Routed to @\u200bacme/data-platform because the finding names the owner team "data-platform", a team of acme.',
    );
    const [remediation] = await remediationsOf(h.store.db, FINDING_ID);
    expect(remediation?.assignment).toEqual({
      team: "acme/data-platform",
      reviewers: [],
      decidedBy: "finding",
    });
    expect(gh().count("GET", "/orgs/{org}/teams/{team_slug}")).toBe(1);
  });

  it("routes by the resource's Team tag when the finding's owner_team is not a team", async () => {
    mockInstallation(gh());
    mockRepositories(gh());
    mockConfig(gh(), REPO, null);
    mockConfig(gh(), ".github", null); // no file in the repository: Probot reads the org's default
    gh().get(`/orgs/${ORG}/teams/payments-core`).reply(404, { message: "Not Found" });
    gh().get(`/orgs/${ORG}/teams/data-platform`).reply(200, TEAM);
    mockFixPullRequest(gh());
    // The repository's payload with another owner team: the bucket's Team tag in Terraform
    // (fixtures/repos/cspm-demo: Team = "data-platform") is what routes it.
    const [record] = PUBLIC_BUCKET;
    await h.postFindings([{ ...record, context: { ...record.context, owner_team: "payments-core" } }]);
    await h.drain();

    expect(requestBody("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers")).toEqual({
      team_reviewers: ["data-platform"],
    });
    const body = String(requestBody("POST", "/repos/{owner}/{repo}/pulls").body);
    expect(body).toContain(
      'Routed to @\u200bacme/data-platform because the Team tag of aws\\_s3\\_bucket.backups is "data-platform", a team of acme.',
    );
    const [remediation] = await remediationsOf(h.store.db, (await remediationFinding(h))!);
    expect(remediation?.assignment).toMatchObject({ team: "acme/data-platform", decidedBy: "resource-tags" });
  });
});

async function remediationFinding(harness: Harness): Promise<string | undefined> {
  const row = await harness.store.db.selectFrom("remediations").select("finding_id").executeTakeFirst();
  return row?.finding_id;
}
