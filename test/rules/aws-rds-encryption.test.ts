import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { awsRdsEncryption } from "../../src/rules/aws-rds-encryption.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { scanIndex } from "../../src/rules/scan.ts";
import { impactOn } from "../../src/rules/types.ts";
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

  it("gives each resource type its own notes, and a type it does not tell apart the catalog's", () => {
    const first = (type: string) => impactOn(awsRdsEncryption, type)[0]?.split(":")[0];
    expect(first("aws_db_instance")).toBe("FORCES REPLACEMENT of the DB instance");
    expect(first("aws_rds_cluster")).toBe("FORCES REPLACEMENT of the cluster");
    expect(impactOn(awsRdsEncryption, "aws_db_instance").join(" ")).not.toMatch(/cluster/);
    expect(impactOn(awsRdsEncryption, "aws_rds_cluster").join(" ")).not.toMatch(/DB instance|replicas/);
    // A source's own type name (ASFF), or one a finding made up, gets the full catalog list.
    for (const type of ["AwsRdsDbCluster", "constructor", "__proto__", ""])
      expect(impactOn(awsRdsEncryption, type)).toEqual(awsRdsEncryption.impact);
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
    // A cluster's notes are the cluster's: nothing about "the DB instance" or its read replicas.
    expect(run.outcomes[0]!.impact).toEqual([
      "FORCES REPLACEMENT of the cluster: storage_encrypted cannot change in place, so Terraform destroys the cluster, with its cluster instances, and creates a new, EMPTY encrypted one. Before applying, take a cluster snapshot and restore the new cluster from it with snapshot_identifier and kms_key_id (copying an unencrypted cluster snapshot cannot encrypt it; restoring it with a KMS key does), then cut the application over; expect downtime or use replication/DMS for a cut-over.",
      "Set final_snapshot_identifier / deletion_protection appropriately: a replacement with skip_final_snapshot = true destroys the data.",
      "Without kms_key_id the AWS managed key aws/rds is used; snapshots encrypted with it cannot be shared with other accounts.",
    ]);
    expect(run.outcomes[2]!.reason).toBe(
      "aws_rds_cluster.secondary takes its encryption from global_cluster_identifier: encrypt the source cluster first (or join an encrypted global cluster), then recreate this one with storage_encrypted = true and a kms_key_id",
    );
  });
});
