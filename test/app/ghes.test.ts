// GitHub Enterprise Server: every API call goes to the configured host's /api/v3, and every link
// fixloop writes points at that host — none at github.com.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { hostFromEnv } from "../../src/github/hosts.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import {
  FIXTURES,
  type Harness,
  mockConfig,
  mockInstallation,
  mockRepositories,
  ORG,
  REPO,
  startHarness,
} from "./harness.ts";

const GHES = hostFromEnv({ GHE_HOST: "ghe.acme.internal" });
const gh = useMockGitHub({ apiUrl: GHES.apiUrl });
const BATCH = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/cspm-batch.json"), "utf8"));

let h: Harness;
afterEach(async () => {
  await h?.close();
});

it("on GHES, requests go to its API and the issue links to its web host", async () => {
  h = await startHarness({ host: GHES });
  mockInstallation(gh());
  mockRepositories(gh());
  mockConfig(gh(), REPO, null);
  mockConfig(gh(), ".github", null);
  gh()
    .post(`/repos/${ORG}/${REPO}/issues`)
    .reply(201, { number: 5, html_url: `https://ghe.acme.internal/${ORG}/${REPO}/issues/5` });
  await h.postFindings([BATCH[0]]); // gated for approval: an issue with a link to the candidate file
  await h.drain();
  expect(gh().requests.length).toBeGreaterThan(4);
  const issue = gh().requests.find((r) => r.route === "/repos/{owner}/{repo}/issues");
  const body = ((issue?.body ?? {}) as { body: string }).body;
  const head = h.git("rev-parse", "HEAD").trim();
  expect(body).toContain(`(https://ghe.acme.internal/${ORG}/${REPO}/blob/${head}/envs/prod/main.tf#L14)`);
  expect(body).not.toContain("github.com");
});
