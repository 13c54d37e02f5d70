// A finding joining a group's PR: its fix planned on top of the group's last plan, instead of the
// group's whole fix planned again with every member (which made a group of n cost n plans on its
// last join, and n²/2 over its life).
//
// The fix engine applies fixes one at a time, each on the tree as the earlier ones left it
// (src/rules/fix.ts), and a group's members are planned in the order they joined. So the plan of
// members 1..n is the plan of 1..n-1 — its files — followed by member n's fixes on those files:
// member n is located and its detections found on the snapshot as it is (as in the full plan), then
// fixed on the group's files. The PR (files, diff, fixes, title, impact notes) is assembled by the
// same code as the full plan's (assemblePlan). Whenever that reasoning does not hold — the
// newcomer's problem was already fixed by an earlier member (two sources on one bucket), it is not
// fixed, or an earlier fix created a file — the full plan is computed instead.

import type { FileChange } from "../github/git-data.ts";
import type { SourceFile, TerraformIndex } from "../hcl/index.ts";
import { fixFindings } from "../ingest/fix-findings.ts";
import type { TriagedFinding } from "../ingest/triage-finding.ts";
import { lossyTextCheck } from "../rules/fix.ts";
import { configuredRules, type RuleOptions } from "../rules/registry.ts";
import {
  assemblePlan,
  fixLine,
  type GroupFixPlan,
  type PatchPlan,
  planGroupFix,
  treeScan,
} from "./plan-fix.ts";

/** What a group's plan of its first members leaves for the next member to build on. */
export interface JoinBasis {
  files: FileChange[];
  fixes: PatchPlan["fixes"];
  ruleIds: string[];
  impact: string[];
  target: PatchPlan["target"];
  fixesFromOutcomes: boolean;
}

/** The parts of a group's plan its next member builds on (null: the plan cannot be built on). */
export function joinBasisOf(plan: PatchPlan): JoinBasis | null {
  if (plan.fixesFromOutcomes === undefined) return null;
  const { files, fixes, ruleIds, impact, target, fixesFromOutcomes } = plan;
  return { files, fixes, ruleIds, impact, target, fixesFromOutcomes };
}

/**
 * The plan of `group`, whose members but the last were planned as `basis`: the last one's fix on
 * top of it, or — when that is not the same thing — the whole group's plan (planGroupFix).
 */
export async function planJoin(
  sources: SourceFile[],
  index: TerraformIndex,
  group: readonly TriagedFinding[],
  on: { basis: JoinBasis; ruleOptions?: RuleOptions | undefined },
): Promise<GroupFixPlan> {
  const newcomer = group.at(-1);
  const joined = newcomer && group.length > 1 ? await planOnTop(sources, index, newcomer, on) : null;
  return joined ?? planGroupFix(sources, index, group, on.ruleOptions);
}

async function planOnTop(
  sources: SourceFile[],
  index: TerraformIndex,
  newcomer: TriagedFinding,
  { basis, ruleOptions }: { basis: JoinBasis; ruleOptions?: RuleOptions | undefined },
): Promise<PatchPlan | null> {
  const original = new Map(sources.map((s) => [s.path, s.text]));
  // A file an earlier fix created would sit elsewhere in the tree's order than in the full plan.
  if (basis.files.some((f) => !original.has(f.path))) return null;
  const group = new Map(basis.files.map((f) => [f.path, f.content]));
  const current = sources.map((s) => ({ path: s.path, text: group.get(s.path) ?? s.text }));
  // Located, and its detections found, on the snapshot (the index and suppressions of `sources`),
  // as in the full plan; fixed on the group's files.
  const rules = configuredRules(ruleOptions);
  const { results, files } = await fixFindings(current, index, [newcomer], {
    rules,
    scanned: treeScan(sources, index, { rules, ruleOptions }),
    refuseWrite: lossyTextCheck(sources),
  });
  const result = results[0];
  if (result?.status !== "fixed" || result.location.kind !== "located") return null;
  for (const [path, f] of files) group.set(path, f.after);
  const changed = new Map<string, { before: string; after: string }>();
  for (const [path, after] of group) {
    const before = original.get(path) as string;
    if (after !== before) changed.set(path, { before, after });
  }
  if (changed.size === 0) return null;
  const fixed = [
    ...(basis.fixesFromOutcomes ? basis.fixes : []),
    ...result.outcomes.filter((o) => o.status === "fixed").map(fixLine),
  ];
  return assemblePlan({
    files: changed,
    fixed,
    // Listed only when no member has a fixed outcome: then the basis's fixes are its reasons.
    reasons: [...basis.fixes.map((f) => f.summary), result.reason],
    impact: [...basis.impact, ...result.impact],
    catalogId: basis.fixesFromOutcomes ? undefined : basis.ruleIds[0],
    target: basis.target,
    // The plan's result is its first member's in a full plan; here the newcomer's (only a single
    // finding's plan reads it: the approval issue's failing rules).
    result,
  });
}
