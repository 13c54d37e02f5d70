import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { awsRdsEncryption } from "../../src/rules/aws-rds-encryption.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { scanIndex } from "../../src/rules/scan.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsRdsEncryption);

describe("aws-rds-encryption special cases", () => {
  it("explains why replicas and snapshot restores are not fixed by setting the flag", async () => {
    const sources = await readTerraformTree(
      join(import.meta.dirname, "../../fixtures/rules/aws-rds-encryption/positive"),
    );
    const detections = scanIndex(buildIndex(sources), [awsRdsEncryption]);
    const run = await fixDetections(sources, detections, [awsRdsEncryption]);
    const reason = (address: string) =>
      run.outcomes.find((o) => o.detection.resource.address === address)?.reason;
    expect(reason("aws_db_instance.replica")).toMatch(
      /read replica of aws_db_instance\.primary\.identifier.*Encrypt the source/,
    );
    expect(reason("aws_db_instance.restored")).toMatch(
      /keeps the snapshot's encryption.*aws_db_snapshot_copy/,
    );
    expect(reason("aws_db_instance.primary")).toMatch(/var\.primary_encrypted/);
  });

  it("says the fix forces replacement", () => {
    expect(awsRdsEncryption.impact[0]).toMatch(/^FORCES REPLACEMENT/);
  });
});

describe("aws-rds-encryption on aws_rds_cluster", () => {
  it("reports a provisioned cluster, says it replaces the cluster, and declines a global secondary", async () => {
    const sources = await readTerraformTree(
      join(import.meta.dirname, "../../fixtures/rules/aws-rds-encryption/positive"),
    );
    const detections = scanIndex(buildIndex(sources), [awsRdsEncryption]).filter(
      (d) => d.resource.type === "aws_rds_cluster",
    );
    expect(detections.map((d) => d.message)).toEqual([
      "aws_rds_cluster.orders is not encrypted at rest (storage_encrypted is unset, default false for a provisioned cluster)",
      'aws_rds_cluster.legacy sets storage_encrypted = "false"',
      "aws_rds_cluster.secondary sets storage_encrypted = false",
    ]);
    const run = await fixDetections(sources, detections, [awsRdsEncryption]);
    expect(run.outcomes.map((o) => o.status)).toEqual(["fixed", "fixed", "skipped"]);
    expect(run.outcomes[0]!.impact.join("\n")).toContain(
      "FORCES REPLACEMENT of an aws_rds_cluster the same way: a new, EMPTY encrypted cluster",
    );
    expect(run.outcomes[2]!.reason).toBe(
      "aws_rds_cluster.secondary takes its encryption from global_cluster_identifier: encrypt the source cluster first (or join an encrypted global cluster), then recreate this one with storage_encrypted = true and a kms_key_id",
    );
  });
});
