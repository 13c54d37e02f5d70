import { type Attribute, attribute } from "../hcl/ast.ts";
import type { Value } from "../hcl/evaluate.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import { contextAttributeRule, valueIn } from "./attribute-shared.ts";
import { exprText, isFalse, isTrue } from "./helpers.ts";

/** The aws_db_instance in the same module a `replicate_source_db` expression points at, if any. */
function replicaSource(index: TerraformIndex, resource: Resource, attr: Attribute): Resource | undefined {
  const e = attr.expr;
  if (e.kind !== "traversal" || e.root !== "aws_db_instance") return undefined;
  const name = e.steps[0]?.kind === "attr" ? e.steps[0].name : undefined;
  // The module's own list: the same resources, in the same order, as filtering the whole tree.
  return index.modules
    .get(resource.module)
    ?.resources.find((r) => r.mode === "managed" && r.type === "aws_db_instance" && r.name === name);
}

/** true/false when the instance's own settings say whether it is encrypted, undefined when they cannot. */
function encrypted(index: TerraformIndex, resource: Resource, seen: Set<Resource>): boolean | undefined {
  const own = valueIn(index, resource, resource.block, "storage_encrypted");
  if (own !== "unknown" && isTrue(own)) return true;
  if (own === "unknown") return undefined;
  if (resource.type === "aws_rds_cluster") return clusterEncrypted(index, resource, own);
  const replicate = attribute(resource.block.body, "replicate_source_db");
  if (replicate) {
    // A replica is encrypted exactly when its source is (same-region replicas use the source's key;
    // a cross-region replica of an encrypted source must name kms_key_id).
    if (seen.has(resource)) return undefined;
    seen.add(resource);
    const source = replicaSource(index, resource, replicate);
    return source ? encrypted(index, source, seen) : undefined;
  }
  // A restore takes the snapshot's encryption; only an explicit false says the author wants it clear.
  if (attribute(resource.block.body, "snapshot_identifier"))
    return own !== "unknown" && isFalse(own) ? false : undefined;
  return false; // storage_encrypted unset or false: the provider default is false
}

/**
 * An aws_rds_cluster whose storage_encrypted is unset or false: the provider default is false for a
 * provisioned cluster and true for Aurora Serverless v1 (engine_mode = "serverless"). A cluster that
 * replicates another, joins a global cluster or restores a snapshot takes its encryption from
 * there, so only an explicit false is judged.
 */
function clusterEncrypted(
  index: TerraformIndex,
  resource: Resource,
  own: Value | undefined,
): boolean | undefined {
  const mode = valueIn(index, resource, resource.block, "engine_mode");
  if (mode === "unknown") return undefined;
  if (mode === "serverless") return own === undefined ? true : !isFalse(own);
  const inherits = ["replication_source_identifier", "global_cluster_identifier", "snapshot_identifier"].some(
    (name) => attribute(resource.block.body, name) !== undefined,
  );
  if (inherits) return own !== undefined && isFalse(own) ? false : undefined;
  return false;
}

// The impact notes: the catalog lists them all; a fix, a skip or a PR body shows those of its
// resource's type (impactByResourceType), so an instance is not told about clusters, nor a cluster
// about "the DB instance". The first note of each type says what breaks.
const INSTANCE =
  "FORCES REPLACEMENT of the DB instance: storage_encrypted cannot change in place, so Terraform destroys the instance and creates a new, EMPTY encrypted one. Before applying, take a snapshot, copy it with a KMS key (aws_db_snapshot_copy with kms_key_id), and restore the new instance from the encrypted copy (snapshot_identifier), then cut the application over; expect downtime or use replication/DMS for a cut-over.";
const CLUSTER_CATALOG =
  "FORCES REPLACEMENT of an aws_rds_cluster the same way: a new, EMPTY encrypted cluster (its cluster instances are recreated with it) unless it is restored from an encrypted snapshot (snapshot_identifier with kms_key_id); plan the copy and the cut-over as for an instance.";
const CLUSTER =
  "FORCES REPLACEMENT of the cluster: storage_encrypted cannot change in place, so Terraform destroys the cluster, with its cluster instances, and creates a new, EMPTY encrypted one. Before applying, take a cluster snapshot and restore the new cluster from it with snapshot_identifier and kms_key_id (copying an unencrypted cluster snapshot cannot encrypt it; restoring it with a KMS key does), then cut the application over; expect downtime or use replication/DMS for a cut-over.";
const FINAL_SNAPSHOT =
  "Set final_snapshot_identifier / deletion_protection appropriately: a replacement with skip_final_snapshot = true destroys the data.";
const INSTANCE_REPLICAS =
  "Read replicas of this instance are encrypted only once they are recreated from the encrypted primary.";
const AWS_MANAGED_KEY =
  "Without kms_key_id the AWS managed key aws/rds is used; snapshots encrypted with it cannot be shared with other accounts.";

export const awsRdsEncryption = contextAttributeRule({
  id: "aws-rds-encryption",
  title: "RDS DB instance or cluster storage is not encrypted",
  severity: "high",
  disruptive: true,
  provider: "aws",
  resourceTypes: ["aws_db_instance", "aws_rds_cluster"],
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AWS_16"],
    trivy: ["AVD-AWS-0080"],
    tfsec: ["aws-rds-encrypt-instance-storage-data", "AWS052"],
    kics: ["08bd0760-8752-44e1-9779-7bb369b2b4e4"],
    securityhub: ["RDS.3"],
    prowler: ["rds_instance_storage_encrypted"],
  },
  rationale:
    "An unencrypted DB instance keeps its storage, automated backups, snapshots and read replicas in clear text; encryption at rest can only be chosen when the instance is created.",
  impact: [INSTANCE, CLUSTER_CATALOG, FINAL_SNAPSHOT, INSTANCE_REPLICAS, AWS_MANAGED_KEY],
  impactByResourceType: {
    aws_db_instance: [INSTANCE, FINAL_SNAPSHOT, INSTANCE_REPLICAS, AWS_MANAGED_KEY],
    aws_rds_cluster: [CLUSTER, FINAL_SNAPSHOT, AWS_MANAGED_KEY],
  },
  blockPath: [],
  names: ["storage_encrypted"],
  compliant: isTrue,
  judge(value, index, resource) {
    if (isTrue(value)) return true;
    const verdict = encrypted(index, resource, new Set());
    return verdict === undefined ? undefined : verdict;
  },
  fixOverride(detection, { index }) {
    const { resource } = detection;
    const replicate = attribute(resource.block.body, "replicate_source_db");
    if (replicate) {
      const source = exprText(index, resource, replicate);
      return {
        kind: "unfixable",
        reason: `${resource.address} is a read replica of ${source} and inherits its encryption: AWS cannot create an encrypted replica of an unencrypted source. Encrypt the source instance first (snapshot, encrypted copy, restore), then recreate this replica from it.`,
      };
    }
    if (resource.type === "aws_rds_cluster") {
      const from = ["replication_source_identifier", "global_cluster_identifier"].find((n) =>
        attribute(resource.block.body, n),
      );
      if (from)
        return {
          kind: "unfixable",
          reason: `${resource.address} takes its encryption from ${from}: encrypt the source cluster first (or join an encrypted global cluster), then recreate this one with storage_encrypted = true and a kms_key_id`,
        };
    }
    if (attribute(resource.block.body, "snapshot_identifier")) {
      return {
        kind: "unfixable",
        reason: `${resource.address} is restored from snapshot_identifier, and a restore keeps the snapshot's encryption (setting storage_encrypted = true does not encrypt it). Copy the snapshot with a KMS key (aws_db_snapshot_copy with kms_key_id), point snapshot_identifier at the encrypted copy, then set storage_encrypted = true.`,
      };
    }
    return undefined;
  },
  fixValue: "true",
  message: (r, v) => {
    if (attribute(r.block.body, "replicate_source_db")) {
      return `${r.address} is a read replica of an unencrypted DB instance (encryption is inherited from the source)`;
    }
    return v === undefined
      ? `${r.address} is not encrypted at rest (storage_encrypted is unset, default false${r.type === "aws_rds_cluster" ? " for a provisioned cluster" : ""})`
      : `${r.address} sets storage_encrypted = ${JSON.stringify(v)}`;
  },
});
