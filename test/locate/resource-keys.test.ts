// The organization's resource → repository map (issue 19) may skip a repository only when locate()
// could not find the finding's resource there: checked on every finding of the locate-rate set
// (TerraGoat, the module corpus and the CSPM demo, in the SARIF, Checkov, Security Hub and seed
// shapes), and on names built from the account and region a finding reports.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRateSet } from "../../bench/locate-rate.ts";
import type { Finding } from "../../src/findings/model.ts";
import { parseFindings } from "../../src/findings/registry.ts";
import { buildIndex, type TerraformIndex } from "../../src/hcl/index.ts";
import { indexTree } from "../../src/hcl/load.ts";
import { locate } from "../../src/locate/locate.ts";
import { findingKeys, indexKeys, ResourceRepositoryMap } from "../../src/locate/resource-keys.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };

describe("the keys of a repository and of a finding", () => {
  let dir: string;
  let index: TerraformIndex;
  let findings: Array<{ shape: string; finding: Finding }>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fixloop-resource-keys-"));
    const set = await buildRateSet(dir);
    index = await indexTree(set.repo);
    findings = Object.entries(set.documents).flatMap(([shape, path]) =>
      parseFindings(JSON.parse(readFileSync(path, "utf8")), ctx, "auto").findings.map((finding) => ({
        shape,
        finding,
      })),
    );
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("share a key whenever locate() finds a block, for every finding of every shape", () => {
    const keys = new Set(indexKeys(index));
    const missed: string[] = [];
    const found: Record<string, number> = {};
    for (const { shape, finding } of findings) {
      if (locate(finding, index).kind === "not-found") continue;
      found[shape] = (found[shape] ?? 0) + 1;
      if (!findingKeys(finding).some((k) => keys.has(k)))
        missed.push(`${shape}: ${JSON.stringify(finding.resource)}`);
    }
    expect(missed).toEqual([]);
    // Every shape is exercised.
    expect(Object.keys(found).sort()).toEqual(["asff", "checkov", "generic", "sarif"]);
  });

  it("keep a repository that does not define the resource out of the candidates", () => {
    const map = new ResourceRepositoryMap();
    map.set("acme/rate-set", "a".repeat(40), indexKeys(index));
    const other = buildIndex([
      { path: "buckets.tf", text: 'resource "aws_s3_bucket" "other" {\n  bucket = "acme-unrelated"\n}\n' },
    ]);
    map.set("acme/other", "b".repeat(40), indexKeys(other));
    const asff = findings.filter((f) => f.shape === "asff" && locate(f.finding, index).kind !== "not-found");
    expect(asff.length).toBeGreaterThan(10);
    for (const { finding } of asff) expect([...map.holding(findingKeys(finding))]).toEqual(["acme/rate-set"]);
  });
});

describe("a name built from the account and region", () => {
  const code = buildIndex([
    {
      path: "logs.tf",
      text: [
        'data "aws_caller_identity" "current" {}',
        'data "aws_region" "current" {}',
        'resource "aws_s3_bucket" "logs" {',
        '  bucket = "${data.aws_caller_identity.current.account_id}-${data.aws_region.current.name}-logs"',
        "}",
        "",
      ].join("\n"),
    },
  ]);
  const finding = (account: string, bucket: string): Finding =>
    parseFindings(
      [
        {
          finding_id: "f-1",
          resource_arn: `arn:aws:s3:::${bucket}`,
          severity: "HIGH",
          rule_id: "S3.8",
          metadata: { account_id: account, region: "eu-west-1" },
        },
      ],
      ctx,
      "auto",
    ).findings[0]!;

  it("matches the finding of the account it names, as locate() does", () => {
    const map = new ResourceRepositoryMap();
    map.set("acme/logs", "c".repeat(40), indexKeys(code));
    const mine = finding("123456789012", "123456789012-eu-west-1-logs");
    expect(locate(mine, code).kind).toBe("located");
    expect([...map.holding(findingKeys(mine))]).toEqual(["acme/logs"]);
    const theirs = finding("210987654321", "123456789012-eu-west-1-logs");
    expect(locate(theirs, code).kind).toBe("not-found");
    expect([...map.holding(findingKeys(theirs))]).toEqual([]);
  });

  it("forgets a repository's old keys when it is indexed again", () => {
    const map = new ResourceRepositoryMap();
    map.set("acme/logs", "c".repeat(40), indexKeys(code));
    map.set("acme/logs", "d".repeat(40), indexKeys(buildIndex([{ path: "empty.tf", text: "" }])));
    expect(map.sha("acme/logs")).toBe("d".repeat(40));
    expect([...map.holding(findingKeys(finding("123456789012", "123456789012-eu-west-1-logs")))]).toEqual([]);
  });
});
