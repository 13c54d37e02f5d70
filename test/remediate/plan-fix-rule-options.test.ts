// `rules.options` of .github/fixloop.yml reach the fix planner, in the app's sandbox worker too:
// a Security Hub S3.4 finding on a bucket with no encryption configuration gets no patch by default
// (S3 applies SSE-S3 to every new object since January 2023), and an SSE-KMS patch when the
// repository requires KMS.

import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseRepoConfig } from "../../src/config/repo-config.ts";
import { buildIndex } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { planGroupFix } from "../../src/remediate/plan-fix.ts";
import { IndexSandbox } from "../../src/sandbox/index-sandbox.ts";
import { triage } from "../store/helpers.ts";

// fixloop's generic finding format (docs), naming the Security Hub control.
const S34 = [
  {
    finding_id: "f-s3-4-staging",
    resource_arn: "arn:aws:s3:::staging-customer-data-backups",
    severity: "CRITICAL",
    rule_id: "S3.4",
    metadata: { account_id: "123456789012", region: "us-east-1" },
  },
];

describe("rule options in the fix planner", () => {
  const sandbox = new IndexSandbox({ perFileMs: 1000, perRepositoryMs: 60_000 });
  afterAll(() => sandbox.close());

  it("plans SSE-KMS only when the repository configuration requires it", async () => {
    const files = await readTerraformTree(
      fileURLToPath(new URL("../../fixtures/repos/cspm-demo", import.meta.url)),
    );
    const group = triage(S34);
    const plain = await planGroupFix(files, buildIndex(files), group);
    expect(plain.kind).toBe("no-patch");
    expect(plain.kind === "no-patch" && plain.reason).toBe(
      "fixloop's rule aws-s3-encryption finds nothing to fix on aws_s3_bucket.backups or the resources that configure it (aws_s3_bucket_public_access_block.backups); the source may be stale or see something the code does not show",
    );

    const parsed = parseRepoConfig({ rules: { options: { "aws-s3-encryption": { requireKms: true } } } });
    if (!parsed.ok) throw new Error("config rejected");
    const options = parsed.config.rules.options;
    const inThread = await planGroupFix(files, buildIndex(files), group, options);
    const inWorker = await sandbox.plan("acme/infra", "acme/infra@1", files, group, options);
    expect(inWorker).toEqual(inThread);
    expect(inThread.kind).toBe("patch");
    if (inThread.kind !== "patch") return;
    expect(inThread.fixes.map((f) => f.summary)).toEqual([
      'add SSE-KMS default encryption (sse_algorithm = "aws:kms") (aws_s3_bucket_server_side_encryption_configuration.backups)',
    ]);
    expect(inThread.diff).toContain('+      sse_algorithm = "aws:kms"');
  }, 60_000);
});
