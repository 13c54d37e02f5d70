// End to end: a fix PR labelled for security review requests the configured `securityTeam` as a
// reviewer (docs/configuration.md promises it), next to the owning team; without the label, only
// the owning team is asked.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  FIXTURES,
  type Harness,
  mockConfig,
  mockInstallation,
  mockRepositories,
  ORG,
  REPO,
  startHarness,
} from "../app/harness.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";

const gh = useMockGitHub();
const PUBLIC_BUCKET = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/public-bucket.json"), "utf8"));
const PR_URL = `https://github.com/${ORG}/${REPO}/pull/17`;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function mockNewPullRequest(labels: string[]) {
  gh()
    .get(`/repos/${ORG}/${REPO}/labels?per_page=100`)
    .reply(200, [{ name: "security" }]);
  for (const name of labels)
    gh()
      .post(`/repos/${ORG}/${REPO}/labels`, (b) => b.name === name)
      .reply(201, { name });
  gh()
    .post(`/repos/${ORG}/${REPO}/git/trees`)
    .reply(201, { sha: "tree0000000000000000000000000000000000001" });
  gh()
    .post(`/repos/${ORG}/${REPO}/git/commits`)
    .reply(201, { sha: "c0ffee0000000000000000000000000000000001" });
  gh().post(`/repos/${ORG}/${REPO}/git/refs`).reply(201, { ref: "refs/heads/x" });
  gh().post(`/repos/${ORG}/${REPO}/pulls`).reply(201, { number: 17, html_url: PR_URL });
  gh().patch(`/repos/${ORG}/${REPO}/issues/17`).reply(200, { number: 17 });
  gh().post(`/repos/${ORG}/${REPO}/pulls/17/requested_reviewers`).reply(201, { number: 17 });
}

function reviewRequest(): unknown {
  const r = gh().requests.find(
    (x) => x.method === "POST" && x.route === "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
  );
  return r?.body;
}

async function deliver(config: string, labels: string[]) {
  mockInstallation(gh());
  await h.postFindings(PUBLIC_BUCKET);
  mockRepositories(gh());
  mockConfig(gh(), REPO, config);
  mockNewPullRequest(labels);
  await h.drain();
}

describe("a fix PR that needs a security review", () => {
  it("requests the security team next to the owning team", async () => {
    await deliver("owners:\n  teams:\n    data-platform: acme/data-platform\nsecurityTeam: acme/appsec\n", [
      "fixloop",
      "risk:high",
      "security-review-required",
    ]);
    const labels = gh().requests.find((x) => x.method === "PATCH")?.body;
    expect(labels).toEqual({ labels: ["security", "fixloop", "risk:high", "security-review-required"] });
    expect(reviewRequest()).toEqual({ team_reviewers: ["data-platform", "appsec"] });
  });

  it("asks only the owning team when the tier needs no security review", async () => {
    await deliver(
      "owners:\n  teams:\n    data-platform: acme/data-platform\nsecurityTeam: acme/appsec\nsecurityReview:\n  tiers: [critical]\n  impactNotes: false\n",
      ["fixloop", "risk:high"],
    );
    expect(reviewRequest()).toEqual({ team_reviewers: ["data-platform"] });
  });
});
