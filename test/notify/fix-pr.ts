// The finding of fixtures/findings/generic/public-bucket.json posted, and its fix PR opened, with the
// GitHub side mocked as test/app/remediation.test.ts does (a high-risk finding of acme/data-platform).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import {
  FIXTURES,
  type Harness,
  mockConfig,
  mockInstallation,
  mockRepositories,
  ORG,
  REPO,
} from "../app/harness.ts";
import type { MockGitHub } from "../github/kit/mock-github.ts";

const PUBLIC_BUCKET = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/public-bucket.json"), "utf8"));
const REPO_CONFIG = "owners:\n  teams:\n    data-platform: acme/data-platform\n";
export const PR_URL = `https://github.com/${ORG}/${REPO}/pull/17`;

export async function openFixPr(gh: MockGitHub, harness: Harness, orgConfig: string) {
  mockInstallation(gh, { orgConfig });
  expect((await harness.postFindings(PUBLIC_BUCKET)).status).toBe(202);
  mockRepositories(gh);
  mockConfig(gh, REPO, REPO_CONFIG);
  gh.get(`/repos/${ORG}/${REPO}/labels?per_page=100`).reply(200, [{ name: "security" }]);
  for (const name of ["fixloop", "risk:high", "security-review-required"])
    gh.post(`/repos/${ORG}/${REPO}/labels`, (b) => b.name === name).reply(201, { name });
  gh.post(`/repos/${ORG}/${REPO}/git/trees`).reply(201, { sha: "tree0000000000000000000000000000000000001" });
  gh.post(`/repos/${ORG}/${REPO}/git/commits`).reply(201, {
    sha: "c0ffee0000000000000000000000000000000001",
  });
  gh.post(`/repos/${ORG}/${REPO}/git/refs`).reply(201, { ref: "refs/heads/x" });
  gh.post(`/repos/${ORG}/${REPO}/pulls`).reply(201, { number: 17, html_url: PR_URL });
  gh.patch(`/repos/${ORG}/${REPO}/issues/17`).reply(200, { number: 17 });
  gh.post(`/repos/${ORG}/${REPO}/pulls/17/requested_reviewers`).reply(201, { number: 17 });
}
