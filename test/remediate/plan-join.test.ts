// A finding joining a group's PR has its fix planned on top of the group's last plan (planJoin),
// not the whole group again. What the PR shows — files, diff, fix lines, title, impact notes, the
// fingerprint that decides a new commit — must be exactly the full plan's (planGroupFix) for the
// same findings, at every join; and a join plans one finding, not all of them.
//
// Findings: the seed's routing payload (as test/replicas posts it) for S3.8 (public access block),
// S3.14 (versioning) and S3.2 (public ACL) on buckets of one file, two rules on one bucket; and two
// sources on one bucket (planJoin must then fall back to the full plan).

import { afterEach, describe, expect, it, vi } from "vitest";
import { buildIndex, type SourceFile } from "../../src/hcl/index.ts";
import * as fixFindingsModule from "../../src/ingest/fix-findings.ts";
import type { TriagedFinding } from "../../src/ingest/triage-finding.ts";
import { fixCommitMessage, type GroupFixPlan, planGroupFix, prTitle } from "../../src/remediate/plan-fix.ts";
import { type JoinBasis, joinBasisOf, planJoin } from "../../src/remediate/plan-join.ts";
import { triage } from "../store/helpers.ts";

vi.mock("../../src/ingest/fix-findings.ts", { spy: true });

const bucket = (name: string, extra = "") =>
  `resource "aws_s3_bucket" "${name}" {\n  bucket = "acme-${name}"${extra}\n\n  tags = {\n    Team = "data-platform"\n  }\n}\n`;
const NAMES = ["b00", "b01", "b02", "b03", "b04", "b05", "b06", "b07"];
const FILE = "envs/prod/buckets.tf";
const sources: SourceFile[] = [
  {
    path: FILE,
    text: NAMES.map((n, i) => bucket(n, i % 4 === 2 ? '\n  acl    = "public-read"' : "")).join("\n"),
  },
  { path: "envs/prod/other.tf", text: bucket("elsewhere") },
];
const index = buildIndex(sources);

const finding = (name: string, rule: string) =>
  triage({
    finding_id: `f-${name}-${rule}`,
    resource_arn: `arn:aws:s3:::acme-${name}`,
    severity: "HIGH",
    rule_id: rule,
    context: { is_internet_reachable: true, owner_team: "data-platform" },
    metadata: { account_id: "123456789012", region: "us-east-1", first_seen: "2026-11-02T08:15:00Z" },
  })[0] as TriagedFinding;

/** What the PR is made of (the plan's `result` is its first member's in a full plan: not shown). */
const shown = (plan: GroupFixPlan) => {
  if (plan.kind !== "patch") return plan.reason;
  const { result: _result, ...rest } = plan;
  return { ...rest, title: prTitle(plan), commit: fixCommitMessage(plan, ["a", "b"]) };
};

const plannedFindings = () =>
  vi.mocked(fixFindingsModule.fixFindings).mock.calls.reduce((n, call) => n + call[2].length, 0);

afterEach(() => {
  vi.mocked(fixFindingsModule.fixFindings).mockClear();
});

/** Joins `group` one finding at a time, each on the basis the previous plan left. */
async function joinOneByOne(group: TriagedFinding[]): Promise<GroupFixPlan[]> {
  const plans: GroupFixPlan[] = [await planGroupFix(sources, index, group.slice(0, 1))];
  for (let n = 2; n <= group.length; n++) {
    const previous = plans.at(-1) as GroupFixPlan;
    const basis = (previous.kind === "patch" ? joinBasisOf(previous) : null) as JoinBasis;
    plans.push(await planJoin(sources, index, group.slice(0, n), { basis }));
  }
  return plans;
}

describe("a finding joining a group's plan", () => {
  it("gives the full plan's PR at every join, planning only the newcomer", async () => {
    const rules = ["S3.8", "S3.14", "S3.2", "S3.8"];
    const group = NAMES.map((n, i) => finding(n, rules[i % rules.length] as string));
    group.splice(3, 0, finding("b00", "S3.14"));
    const joined = await joinOneByOne(group);
    // One finding planned per join: 9 in all, where planning the group at each join is 1+2+…+9 = 45.
    expect(plannedFindings()).toBe(group.length);
    for (let n = 1; n <= group.length; n++) {
      const full = await planGroupFix(sources, index, group.slice(0, n));
      expect(full.kind, `${n} members`).toBe("patch");
      expect(shown(joined[n - 1] as GroupFixPlan), `${n} members`).toEqual(shown(full));
    }
    const last = joined.at(-1) as Extract<GroupFixPlan, { kind: "patch" }>;
    expect(last.ruleIds).toEqual(["aws-s3-public-access-block", "aws-s3-versioning", "aws-s3-public-acl"]);
    expect(prTitle(last)).toBe("fix(security): aws_s3_bucket.b00 — 3 security fixes");
    // The two public ACLs read the same line: the PR lists it once, as the full plan does.
    expect(last.fixes.map((f) => f.summary)).toEqual([
      "block all public access (aws_s3_bucket_public_access_block.b00)",
      "enable versioning (aws_s3_bucket_versioning.b01)",
      'set acl = "private"',
      "enable versioning (aws_s3_bucket_versioning.b00)",
      "block all public access (aws_s3_bucket_public_access_block.b03)",
      "block all public access (aws_s3_bucket_public_access_block.b04)",
      "enable versioning (aws_s3_bucket_versioning.b05)",
      "block all public access (aws_s3_bucket_public_access_block.b07)",
    ]);
  });

  it("two sources on one bucket: the full plan, which fixes the bucket once for both", async () => {
    const group = [finding("b00", "S3.8"), finding("b01", "S3.8"), finding("b00", "S3.8")];
    group[2] = { ...group[2], dedupeKey: "second-source" } as TriagedFinding;
    const joined = await joinOneByOne(group);
    // The third's problem was fixed by the first: planned on top it is "already fixed", so the
    // whole group is planned again (3), after 1 + 1 for the first two.
    expect(plannedFindings()).toBe(1 + 1 + 1 + 3);
    const full = await planGroupFix(sources, index, group);
    expect(shown(joined.at(-1) as GroupFixPlan)).toEqual(shown(full));
  });
});
