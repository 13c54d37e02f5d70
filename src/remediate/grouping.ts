// Grouping (`grouping: per-file | per-resource`): the findings on one file, or on one resource,
// share one PR instead of one each — fewer PRs for a reviewer, one commit that fixes them all. The
// group's branch is named by a hash of repository + group key, so every replica finds the same PR.

import type { RepoConfig } from "../config/repo-config.ts";
import { stableId } from "../findings/hash.ts";
import { fullName, type RepoRef } from "../github/client.ts";
import { openRemediationsOnBranch } from "../store/remediations.ts";
import type { Db } from "../store/store.ts";
import { groupBranchName } from "./branch-name.ts";
import type { PatchPlan } from "./plan-fix.ts";

export interface PrGroup {
  /** `file:envs/prod/main.tf` or `resource:envs/prod/main.tf#aws_s3_bucket.backups` */
  key: string;
  branch: string;
}

/** The group a patch belongs to, or null when grouping is off. Pure. */
export function groupFor(config: RepoConfig, repository: RepoRef, plan: PatchPlan): PrGroup | null {
  if (config.grouping === "off") return null;
  const key =
    config.grouping === "per-file"
      ? `file:${plan.target.file}`
      : `resource:${plan.target.file}#${plan.target.address}`;
  return {
    key,
    branch: groupBranchName(config.branchPrefix, stableId(`${fullName(repository)}\n${key}`, 24)),
  };
}

/** The open PR of a group, as (number, the findings it carries), or null. */
export async function openGroupPr(
  db: Db,
  repository: RepoRef,
  branch: string,
): Promise<{ prNumber: number; findingIds: string[] } | null> {
  const rows = await openRemediationsOnBranch(db, fullName(repository), branch);
  const prNumber = rows[0]?.pr_number;
  if (prNumber === undefined || prNumber === null) return null;
  return {
    prNumber,
    findingIds: [...new Set(rows.filter((r) => r.pr_number === prNumber).map((r) => r.finding_id))],
  };
}
