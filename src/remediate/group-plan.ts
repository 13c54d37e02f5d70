// A group's last plan, kept in the store (src/store/group-plans.ts) so the next finding joining the
// group's PR — on any replica — plans only its own fix on top of it (./plan-join.ts). A kept plan is
// used only when it was made on the same commit from exactly the members before the newcomer, with
// the same planning inputs; anything else (a member re-posted with other details, new rule options,
// a new day, another fixloop version) makes the join plan the whole group, as before.

import { stableId } from "../findings/hash.ts";
import { fullName, type RepoRef } from "../github/platform.ts";
import type { TriagedFinding } from "../ingest/triage-finding.ts";
import type { RuleOptions } from "../rules/registry.ts";
import { groupPlanOf, saveGroupPlan } from "../store/group-plans.ts";
import type { Db } from "../store/store.ts";
import { isoDay } from "../suppress/apply.ts";
import { VERSION } from "../version.ts";
import type { PatchPlan } from "./plan-fix.ts";
import { type JoinBasis, joinBasisOf } from "./plan-join.ts";

/** Which group plan: the PR's branch in the repository, on the default branch's commit. */
export interface GroupPlanAt {
  repository: RepoRef;
  branch: string;
  baseSha: string;
  ruleOptions: RuleOptions | undefined;
}

/** The group's last plan if it was made on this commit from exactly `members` but the last. */
export async function lastGroupPlan(
  db: Db,
  at: GroupPlanAt,
  members: readonly TriagedFinding[],
): Promise<JoinBasis | undefined> {
  const last = await groupPlanOf(db, fullName(at.repository), at.branch);
  const before = members.slice(0, -1);
  if (!last || last.baseSha !== at.baseSha) return undefined;
  if (last.memberIds.join("\n") !== before.map((t) => t.dedupeKey).join("\n")) return undefined;
  return last.inputsKey === planInputsKey(before, at.ruleOptions) ? (last.basis as JoinBasis) : undefined;
}

/** Keeps the plan of a group's PR, made from `members`, as the group's last. */
export async function keepGroupPlan(
  tx: Db,
  at: GroupPlanAt,
  r: { members: readonly TriagedFinding[]; prPlan: PatchPlan },
  now: number,
): Promise<void> {
  const basis = joinBasisOf(r.prPlan);
  if (!basis) return;
  const plan = {
    repository: fullName(at.repository),
    branch: at.branch,
    baseSha: at.baseSha,
    inputsKey: planInputsKey(r.members, at.ruleOptions),
    memberIds: r.members.map((t) => t.dedupeKey),
    basis,
  };
  await saveGroupPlan(tx, plan, now);
}

/**
 * What a plan is made from besides the snapshot: the members' planning inputs in order (not when
 * each was last seen: a source posting its findings again changes no fix), the rule options, the
 * day (a suppression written in the code may expire) and fixloop's version (its rules).
 */
function planInputsKey(members: readonly TriagedFinding[], ruleOptions: RuleOptions | undefined): string {
  return stableId([
    VERSION,
    isoDay(new Date()),
    ruleOptions ?? null,
    members.map((t) => ({ ...t, finding: { ...t.finding, lastSeen: null } })),
  ]);
}
