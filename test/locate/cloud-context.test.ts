// Names built from the account they live in: TerraGoat (examples/terragoat, Apache-2.0) names every
// bucket `${local.resource_prefix.value}-…`, the prefix being
// `${data.aws_caller_identity.current.account_id}-${var.company_name}-${var.environment}`. The code
// cannot know the account; the finding says it. Evaluated with the finding's account, the name is
// exact — in another account, or without one, nothing is located (never a guess).

import { describe, expect, it } from "vitest";
import { genericParser } from "../../src/findings/parsers/generic.ts";
import { indexTree } from "../../src/hcl/load.ts";
import { locate } from "../../src/locate/locate.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const TERRAGOAT_AWS = new URL("../../examples/terragoat/aws", import.meta.url).pathname;

function bucketFinding(name: string, account?: string) {
  const record = {
    finding_id: "cspm-tg-1",
    resource_arn: `arn:aws:s3:::${name}`,
    severity: "HIGH",
    rule_id: "S3.8",
    context: {},
    metadata: account ? { account_id: account, region: "us-west-2" } : {},
  };
  const [finding] = genericParser.parse(record, ctx).findings;
  return finding!;
}

describe("names the code builds from the account it is deployed in", () => {
  it("locates a TerraGoat bucket named after the finding's account", async () => {
    const index = await indexTree(TERRAGOAT_AWS);
    const found = locate(bucketFinding("123456789012-acme-dev-data", "123456789012"), index, {
      resourceTypes: ["aws_s3_bucket"],
    });
    expect(found.kind).toBe("located");
    if (found.kind !== "located") return;
    expect(found.candidate.resource?.address).toBe("aws_s3_bucket.data");
    expect(found.candidate.evidence).toBe(
      'aws_s3_bucket.data.bucket resolves to "123456789012-acme-dev-data" with the data sources read in the finding\'s account 123456789012, region us-west-2 (s3.tf:1)',
    );
  });

  it("does not match the same name reported in another account, or with no account", async () => {
    const index = await indexTree(TERRAGOAT_AWS);
    for (const finding of [
      bucketFinding("123456789012-acme-dev-data", "210987654321"),
      bucketFinding("123456789012-acme-dev-data"),
    ]) {
      expect(locate(finding, index, { resourceTypes: ["aws_s3_bucket"] }).kind).toBe("not-found");
    }
  });
});
