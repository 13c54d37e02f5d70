// rules.demote through the app: an organization demotes a rule in its .github repository's
// fixloop.yml, and a finding of that rule posted by its CSPM is recorded only — no remediation,
// no PR — with the reason naming the key; the same finding without the line is fixed.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { auditTrail } from "../../src/store/audit.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { FIXTURES, type Harness, mockInstallation, startHarness } from "./harness.ts";

const gh = useMockGitHub();
const BATCH = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/cspm-batch.json"), "utf8"));
// The batch's security group, rule EC2.13 (aws-sg-open-admin-ports), high risk: normally fixed.
const SG = "bcac7cb3002f29bfdde66e83";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

it("a demoted rule's finding is recorded only, the reason naming rules.demote.rules", async () => {
  h = await startHarness();
  // Listed by its Security Hub id: the config resolves it to the catalog rule.
  mockInstallation(gh(), { orgConfig: "rules:\n  demote:\n    rules: [EC2.13]\n" });
  const posted = await h.postFindings([BATCH[1]]);
  const reason =
    "rule aws-sg-open-admin-ports is demoted to record only by rules.demote.rules in the organization's fixloop.yml: recorded, no PR";
  expect(posted.status).toBe(202);
  expect(posted.body).toMatchObject({ findings: [{ id: SG, state: "recorded_only" }] });
  const trail = await auditTrail(h.store.db, SG);
  expect(trail.map((e) => [e.to, e.reason]).at(-1)).toEqual(["recorded_only", reason]);
  expect(await listJobs(h.store.db, { kind: "remediate" })).toEqual([]);
  await h.drain();
  expect(gh().count("POST", "/repos/{owner}/{repo}/pulls")).toBe(0);
});

it("the same finding without the line goes to be fixed", async () => {
  h = await startHarness();
  mockInstallation(gh(), { orgConfig: "rules:\n  demote:\n    threshold: 0.2\n" });
  const posted = await h.postFindings([BATCH[1]]);
  expect(posted.body).toMatchObject({ findings: [{ id: SG, state: "fixing" }] });
  expect(await listJobs(h.store.db, { kind: "remediate" })).toHaveLength(1);
});
