// The dedupe key: the same problem on the same resource is one finding, whichever tool reported
// it and however often. Rule part: the catalog rule (tools share it through aliases), else the
// tool's own check id. Resource part: the most canonical identity the finding carries.

import { parseArn } from "../findings/arn.ts";
import { stableId } from "../findings/hash.ts";
import type { Finding } from "../findings/model.ts";

/** A canonical resource identity: ARNs without partition noise, else cloud ids, else Terraform location. */
export function resourceKey(finding: Finding): string {
  const r = finding.resource;
  const arnText = r.arn ?? (r.id?.startsWith("arn:") ? r.id : undefined);
  const arn = arnText ? parseArn(arnText) : undefined;
  if (arn) {
    // S3 bucket ARNs carry no account or region; a bucket name is global within a partition.
    if (arn.service === "s3") return `aws:s3:${arn.resourceId}`;
    return `aws:${arn.service}:${arn.account || r.account || ""}:${arn.region || r.region || ""}:${arn.resourceType}/${arn.resourceId}`;
  }
  if (r.id) return `${r.cloud ?? "cloud"}:${r.id.toLowerCase()}`;
  if (r.terraformAddress) return `tf:${r.file ?? ""}:${r.terraformAddress}`;
  if (r.file) return `file:${r.file}:${r.line ?? 0}`;
  return `name:${r.cloud ?? ""}:${r.account ?? ""}:${r.type ?? ""}:${r.name ?? ""}`;
}

export function dedupeKey(finding: Finding): string {
  const rule = finding.rule.catalogId ?? `${finding.source.tool}:${finding.rule.nativeId}`;
  return stableId(`${rule}\n${resourceKey(finding)}`, 24);
}
