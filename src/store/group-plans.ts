// A group's last fix plan (grouping: the findings on one file or resource share a PR), kept so the
// next finding joining the group's PR plans only its own fix on top of it, whichever replica runs it
// (src/remediate/plan-join.ts). The plan itself is the remediation code's JSON; the store keeps it
// with what it was made from, and the reader decides whether it still applies.

import type { Db } from "./store.ts";

export interface GroupPlan {
  /** owner/name */
  repository: string;
  branch: string;
  baseSha: string;
  inputsKey: string;
  memberIds: string[];
  basis: unknown;
}

export async function groupPlanOf(db: Db, repository: string, branch: string): Promise<GroupPlan | null> {
  const row = await db
    .selectFrom("group_plans")
    .selectAll()
    .where("repository", "=", repository)
    .where("branch", "=", branch)
    .executeTakeFirst();
  if (!row) return null;
  return {
    repository: row.repository,
    branch: row.branch,
    baseSha: row.base_sha,
    inputsKey: row.inputs_key,
    memberIds: JSON.parse(row.member_ids) as string[],
    basis: JSON.parse(row.basis) as unknown,
  };
}

/** Keeps `plan` as the group's last plan, in place of the one before. */
export async function saveGroupPlan(tx: Db, plan: GroupPlan, now: number): Promise<void> {
  const values = {
    base_sha: plan.baseSha,
    inputs_key: plan.inputsKey,
    member_ids: JSON.stringify(plan.memberIds),
    basis: JSON.stringify(plan.basis),
    updated_at: now,
  };
  await tx
    .insertInto("group_plans")
    .values({ repository: plan.repository, branch: plan.branch, ...values })
    .onConflict((oc) => oc.columns(["repository", "branch"]).doUpdateSet(values))
    .execute();
}
