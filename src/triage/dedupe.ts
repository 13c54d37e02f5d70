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

/** Formats whose findings come from scanning one repository's code: the same check on the same
 *  file is a different finding in each repository. Cloud sources (ASFF, OCSF, Wiz, Prisma, the
 *  generic payload) describe a deployed resource, which is one whichever repository defines it. */
export const REPOSITORY_SCAN_FORMATS: ReadonlySet<string> = new Set([
  "sarif",
  "checkov",
  "trivy",
  "tfsec",
  "kics",
]);

/** Where a finding's identity lives: the organization it was posted for (null: the CLI's own store)
 *  and, for a repository scan, the repository scanned (null when the sender did not name it). */
export interface FindingScope {
  org: string | null;
  repository: string | null;
}

/** The scope of one finding posted for `org` from a scan of `repository` (which only a repository
 *  scan keeps). */
export function findingScope(finding: Finding, org: string | null, repository: string | null): FindingScope {
  return { org, repository: REPOSITORY_SCAN_FORMATS.has(finding.source.format) ? repository : null };
}

/**
 * The id of a finding first seen now: its dedupe key within its scope. Two organizations, or two
 * repositories scanned for the same check, never share an id, while Wiz and Security Hub on the same
 * bucket of one organization still do (they share the dedupe key). The CLI's own store without a
 * repository (no organization, no repository) keeps the bare dedupe key, as every finding stored
 * before scoping did; ../ingest/persist.ts falls back to `scopedFindingId` when that id is taken.
 */
export function newFindingId(key: string, scope: FindingScope): string {
  return scope.org === null && scope.repository === null ? key : scopedFindingId(key, scope);
}

/** The dedupe key hashed with its scope: never equal to a bare dedupe key. */
export function scopedFindingId(key: string, scope: FindingScope): string {
  return stableId(["finding", scope.org, scope.repository, key], 24);
}
