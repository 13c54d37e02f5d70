import { describe, expect, it } from "vitest";
import { buildIndex, type SourceFile } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { RULES } from "../../src/rules/registry.ts";
import { scanIndex } from "../../src/rules/scan.ts";
import { detectionId } from "../../src/rules/types.ts";
import { codeRescan } from "../../src/verify/code-rescan.ts";

const CSPM_DEMO = "fixtures/repos/cspm-demo";
const PUBLIC_ACL = "fixtures/rules/aws-s3-public-acl/positive";

/** The PR fixloop would open for one detection: the fix engine's own patch, as a merge. */
async function merged(root: string, id: string) {
  const before = await readTerraformTree(root);
  const detection = scanIndex(buildIndex(before), RULES).find((d) => detectionId(d) === id);
  if (!detection) throw new Error(`${id} is not detected in ${root}`);
  const run = await fixDetections(before, [detection], RULES);
  expect(run.outcomes.map((o) => o.status)).toEqual(["fixed"]);
  const after = before.map((f) => ({ path: f.path, text: run.files.get(f.path)?.after ?? f.text }));
  for (const [path, { before: was, after: text }] of run.files) if (was === "") after.push({ path, text });
  return { before, after, touchedFiles: [...run.files.keys()] };
}

const edit = (files: SourceFile[], path: string, change: (text: string) => string): SourceFile[] =>
  files.map((f) => (f.path === path ? { path, text: change(f.text) } : f));

const PROD_PAB = {
  ruleId: "aws-s3-public-access-block",
  resourceAddress: "aws_s3_bucket.backups",
  file: "envs/prod/main.tf",
};
const SITE_ACL = {
  ruleId: "aws-s3-public-acl",
  resourceAddress: "aws_s3_bucket_acl.site",
  file: "v5/main.tf",
};

describe("codeRescan: the finding's rule on its resource", () => {
  it("passes when the merged fix silences the rule and adds nothing", async () => {
    const change = await merged(CSPM_DEMO, "aws-s3-public-access-block:envs/prod/aws_s3_bucket.backups");
    expect(change.touchedFiles).toEqual(["envs/prod/main.tf"]);
    const result = codeRescan({ ...change, finding: PROD_PAB });
    expect(result).toEqual({
      passed: true,
      inconclusive: false,
      detail:
        "aws-s3-public-access-block no longer reports aws_s3_bucket.backups in envs/prod/main.tf. The 1 changed file has no new finding.",
      stillFailing: [],
      newFindings: [],
    });
  });

  it("accepts a scanner alias for the rule", async () => {
    const change = await merged(CSPM_DEMO, "aws-s3-public-access-block:envs/prod/aws_s3_bucket.backups");
    expect(codeRescan({ ...change, finding: { ...PROD_PAB, ruleId: "CKV2_AWS_6" } }).passed).toBe(true);
  });

  it("fails when what landed does not carry the fix (the PR was edited before the merge)", async () => {
    const before = await readTerraformTree(CSPM_DEMO);
    const after = edit(before, "envs/prod/main.tf", (t) => t.replace("customer-data", "customer-records"));
    const result = codeRescan({ before, after, touchedFiles: ["envs/prod/main.tf"], finding: PROD_PAB });
    expect(result.passed).toBe(false);
    expect(result.inconclusive).toBe(false);
    expect(result.stillFailing.map(detectionId)).toEqual([
      "aws-s3-public-access-block:envs/prod/aws_s3_bucket.backups",
    ]);
    expect(result.detail).toBe(
      "aws-s3-public-access-block still reports aws_s3_bucket.backups: aws-s3-public-access-block on " +
        "aws_s3_bucket.backups (envs/prod/main.tf line 14): aws_s3_bucket.backups has no " +
        "aws_s3_bucket_public_access_block. The 1 changed file has no new finding.",
    );
  });

  it("does not confuse the resource with one of the same address in another environment", async () => {
    // staging's aws_s3_bucket.backups has no versioning; prod's has. The finding is prod's.
    const before = await readTerraformTree(CSPM_DEMO);
    const after = edit(before, "envs/prod/main.tf", (t) => `# reviewed\n${t}`);
    const finding = {
      ruleId: "aws-s3-versioning",
      resourceAddress: "aws_s3_bucket.backups",
      file: "envs/prod/main.tf",
    };
    expect(codeRescan({ before, after, touchedFiles: ["envs/prod/main.tf"], finding }).passed).toBe(true);
    const staging = { ...finding, file: "envs/staging/main.tf" };
    expect(codeRescan({ before, after, touchedFiles: ["envs/prod/main.tf"], finding: staging }).passed).toBe(
      false,
    );
  });

  it("counts a resource that configures the finding's resource (the bucket's ACL resource)", async () => {
    const before = await readTerraformTree(PUBLIC_ACL);
    const finding = { ...SITE_ACL, resourceAddress: "aws_s3_bucket.site" };
    const result = codeRescan({ before, after: before, touchedFiles: [], finding });
    expect(result.stillFailing.map(detectionId)).toEqual(["aws-s3-public-acl:v5/aws_s3_bucket_acl.site"]);
    const fixed = await merged(PUBLIC_ACL, "aws-s3-public-acl:v5/aws_s3_bucket_acl.site");
    expect(codeRescan({ ...fixed, finding }).passed).toBe(true);
  });

  it("passes when the change removes the resource, saying so", async () => {
    const before = await readTerraformTree(PUBLIC_ACL);
    const after = edit(before, "v5/main.tf", (t) =>
      t.replace(/resource "aws_s3_bucket_acl" "site" \{[^}]*\}\n/, ""),
    );
    const result = codeRescan({ before, after, touchedFiles: ["v5/main.tf"], finding: SITE_ACL });
    expect(result).toMatchObject({ passed: true, inconclusive: false, stillFailing: [], newFindings: [] });
    expect(result.detail).toBe(
      "aws_s3_bucket_acl.site is no longer defined in v5/main.tf, so aws-s3-public-acl cannot report it. " +
        "The 1 changed file has no new finding.",
    );
  });
});

describe("codeRescan: new findings in the touched files", () => {
  it("fails on a detection the change introduced, and names it", async () => {
    const change = await merged(PUBLIC_ACL, "aws-s3-public-acl:v5/aws_s3_bucket_acl.site");
    const extra = `\nresource "aws_s3_bucket_acl" "mirror" {\n  bucket = aws_s3_bucket.site.id\n  acl    = "public-read"\n}\n`;
    const after = edit(change.after, "v5/main.tf", (t) => t + extra);
    const result = codeRescan({ ...change, after, finding: SITE_ACL });
    expect(result.passed).toBe(false);
    expect(result.stillFailing).toEqual([]);
    expect(result.newFindings.map(detectionId)).toEqual(["aws-s3-public-acl:v5/aws_s3_bucket_acl.mirror"]);
    expect(result.detail).toMatch(
      /^aws-s3-public-acl no longer reports aws_s3_bucket_acl\.site in v5\/main\.tf\. The change brought 1 new finding into the 1 changed file: aws-s3-public-acl on aws_s3_bucket_acl\.mirror \(v5\/main\.tf line \d+\): aws_s3_bucket_acl\.mirror sets acl = "public-read"\.$/,
    );
  });

  it("does not count detections that only moved: lines shifted or the block went to another file", async () => {
    const change = await merged(CSPM_DEMO, "aws-s3-public-access-block:envs/prod/aws_s3_bucket.backups");
    const [stagingMain] = change.after.filter((f) => f.path === "envs/staging/main.tf");
    const bucket = /resource "aws_s3_bucket" "backups" \{[^}]*\}\n/.exec(stagingMain!.text)![0];
    let after = edit(change.after, "envs/prod/main.tf", (t) => `# Owned by data-platform.\n\n${t}`);
    after = edit(after, "envs/staging/main.tf", (t) => t.replace(bucket, ""));
    after.push({ path: "envs/staging/buckets.tf", text: bucket });
    const touchedFiles = ["envs/prod/main.tf", "envs/staging/main.tf", "envs/staging/buckets.tf"];
    const result = codeRescan({ ...change, after, touchedFiles, finding: PROD_PAB });
    // staging's bucket is still reported (encryption, versioning), now from buckets.tf — not new.
    expect(
      scanIndex(buildIndex(after), RULES).some((d) => d.resource.file === "envs/staging/buckets.tf"),
    ).toBe(true);
    expect(result).toMatchObject({ passed: true, newFindings: [] });
    expect(result.detail).toBe(
      "aws-s3-public-access-block no longer reports aws_s3_bucket.backups in envs/prod/main.tf. The 3 changed files have no new finding.",
    );
  });
});

describe("codeRescan: when the code cannot tell", () => {
  it("a rule outside the catalog", async () => {
    const before = await readTerraformTree(CSPM_DEMO);
    const finding = { ...PROD_PAB, ruleId: "Wiz-Custom-17" };
    expect(codeRescan({ before, after: before, touchedFiles: [], finding })).toEqual({
      passed: false,
      inconclusive: true,
      detail:
        "The rule Wiz-Custom-17 is not in fixloop's catalog, so the code re-scan cannot tell whether aws_s3_bucket.backups is fixed.",
      stillFailing: [],
      newFindings: [],
    });
  });

  it("a touched file that no longer parses (its resources would silently vanish)", async () => {
    const before = await readTerraformTree(CSPM_DEMO);
    const after = edit(before, "envs/prod/main.tf", (t) => `${t}\nresource "aws_s3_bucket" "broken" {\n`);
    const result = codeRescan({ before, after, touchedFiles: ["envs/prod/main.tf"], finding: PROD_PAB });
    expect(result).toMatchObject({ passed: false, inconclusive: true, stillFailing: [] });
    expect(result.detail).toMatch(
      /^The merged code does not parse \(envs\/prod\/main\.tf:\d+:\d+: .+\), so the code re-scan cannot confirm the fix\.$/,
    );
  });

  it("a registry module call, whose resources fixloop does not scan", async () => {
    const before = await readTerraformTree(CSPM_DEMO);
    const finding = {
      ruleId: "aws-s3-versioning",
      resourceAddress: "module.logs",
      file: "envs/prod/main.tf",
    };
    expect(codeRescan({ before, after: before, touchedFiles: [], finding })).toMatchObject({
      passed: false,
      inconclusive: true,
      detail:
        "module.logs uses the module terraform-aws-modules/s3-bucket/aws, whose resources fixloop does not scan; the runtime re-scan decides whether aws-s3-versioning is fixed.",
    });
  });

  it("a resource that is defined neither before nor after", async () => {
    const before = await readTerraformTree(CSPM_DEMO);
    const finding = { ...PROD_PAB, resourceAddress: "aws_s3_bucket.archive" };
    expect(codeRescan({ before, after: before, touchedFiles: [], finding })).toMatchObject({
      passed: false,
      inconclusive: true,
      detail:
        "aws_s3_bucket.archive is not defined in envs/prod before or after the merge, so the code re-scan cannot find the resource the finding is about.",
    });
  });
});
