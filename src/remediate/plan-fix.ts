// What a remediation would change in one repository: the located block, the verified patch, the
// rules' impact notes and the commit message — or, when no safe patch exists, why. Pure apart
// from the fix engine's own HCL verification.

import { stableId } from "../findings/hash.ts";
import type { FileChange } from "../github/git-data.ts";
import type { SourceFile, TerraformIndex } from "../hcl/index.ts";
import { unifiedDiff } from "../hcl/unified-diff.ts";
import { type FindingFixResult, fixFindings } from "../ingest/fix-findings.ts";
import type { TriagedFinding } from "../ingest/triage-finding.ts";
import { showUnsafe } from "../report/unsafe-chars.ts";
import type { FixOutcome } from "../rules/fix.ts";
import { configuredRules, type RuleOptions, ruleById } from "../rules/registry.ts";
import { scanWithSuppressions } from "../rules/scan.ts";
import type { Rule } from "../rules/types.ts";
import { isoDay, type SuppressionResult } from "../suppress/apply.ts";
import { collectSuppressions } from "../suppress/index.ts";

export interface PatchPlan {
  kind: "patch";
  files: FileChange[];
  /** Unified diff of every changed file, in path order. */
  diff: string;
  /** One line per fix: the rule and what was changed, for the commit message and the PR. */
  fixes: Array<{ ruleId: string; summary: string }>;
  /** The rules' impact notes (replacement, closed access…): they ask for a security review. */
  impact: string[];
  ruleIds: string[];
  /** The located block, for the PR and the owner lookup (CODEOWNERS by file, tags by resource). */
  target: { file: string; line: number; address: string; evidence: string };
  /** Identifies the patch itself: the same fix computed again is not a new commit. */
  fingerprint: string;
  result: FindingFixResult;
  /** Whether `fixes` lists fixed outcomes (false: only fixes at module call sites, listed by reason).
   *  Set by the planner; a finding joining the group's plan needs it (./plan-join.ts). */
  fixesFromOutcomes?: boolean;
}

export interface NoPatch {
  kind: "no-patch";
  /** unfixable: located, but nothing safe to change; record-only: the gate says so. */
  why: "unfixable" | "not-located" | "ambiguous";
  reason: string;
  result: FindingFixResult;
}

export type GroupFixPlan = PatchPlan | NoPatch;

export async function planFix(
  sources: SourceFile[],
  index: TerraformIndex,
  triaged: TriagedFinding,
  ruleOptions?: RuleOptions,
): Promise<GroupFixPlan> {
  return planGroupFix(sources, index, [triaged], ruleOptions);
}

/**
 * One patch for several findings (grouping: the findings on one file or one resource share a PR).
 * Every finding must still be fixable; the plan's target and result are the first finding's.
 */
export async function planGroupFix(
  sources: SourceFile[],
  index: TerraformIndex,
  group: readonly TriagedFinding[],
  ruleOptions?: RuleOptions,
): Promise<GroupFixPlan> {
  const triaged = group[0] as TriagedFinding;
  const rules = configuredRules(ruleOptions);
  const scanned = treeScan(sources, index, { rules, ruleOptions });
  const { results, files } = await fixFindings(sources, index, [...group], { rules, scanned });
  const blocked = results.find((r) => r.status !== "fixed" || r.location.kind !== "located");
  const result = (blocked ?? results[0]) as FindingFixResult;
  if (result.location.kind === "not-found")
    return { kind: "no-patch", why: "not-located", reason: result.location.reason, result };
  if (result.location.kind === "ambiguous")
    return { kind: "no-patch", why: "ambiguous", reason: result.location.reason, result };
  if (result.status !== "fixed" || files.size === 0)
    return { kind: "no-patch", why: "unfixable", reason: result.reason, result };

  const c = result.location.candidate;
  const block = c.resource ?? c.moduleCall;
  const target = {
    file: block?.file ?? [...files.keys()].sort()[0] ?? "",
    line: block?.line ?? 1,
    address: block?.address ?? "",
    evidence: c.evidence,
  };
  return assemblePlan({
    files,
    fixed: results.flatMap((r) => r.outcomes.filter((o) => o.status === "fixed").map(fixLine)),
    reasons: results.map((r) => r.reason),
    // Each result's notes are those of the resource types it changed (an instance is not told about clusters).
    impact: results.flatMap((r) => r.impact),
    catalogId: triaged.finding.rule.catalogId ?? undefined,
    target,
    result,
  });
}

/** Each snapshot's index → its scans, by rule options and day (a few: one per configuration). */
const scans = new WeakMap<TerraformIndex, Map<string, SuppressionResult>>();
const KEEP_SCANS = 4;

/**
 * The whole tree's detections, suppressed ones apart, as the fix run starts from them. Every plan on
 * one snapshot scans the same tree (the app plans each finding, then its group): that scan, not the
 * finding's fix, is most of a plan on a large tree, so it is kept with the snapshot's index.
 */
export function treeScan(
  sources: SourceFile[],
  index: TerraformIndex,
  at: { rules: readonly Rule[]; ruleOptions: RuleOptions | undefined },
): SuppressionResult {
  const today = isoDay(new Date());
  const key = `${today} ${JSON.stringify(at.ruleOptions ?? null)}`;
  const kept = scans.get(index) ?? new Map<string, SuppressionResult>();
  scans.set(index, kept);
  let scanned = kept.get(key);
  if (!scanned) {
    scanned = scanWithSuppressions(index, at.rules, collectSuppressions(sources).suppressions, today);
    kept.set(key, scanned);
    if (kept.size > KEEP_SCANS) kept.delete(kept.keys().next().value as string);
  }
  return scanned;
}

/** A fixed outcome as the PR lists it. */
export const fixLine = (o: FixOutcome) => ({ ruleId: o.detection.ruleId, summary: o.reason });

/**
 * A group's patch from what its fix run left: every changed file (original → final), the fixed
 * outcomes of its members in order, each member's reason (listed when no outcome was fixed: fixes
 * at module call sites) and the first member's catalog rule and target. Pure: the full plan
 * (planGroupFix) and a finding joining a group's plan (./plan-join.ts) both end here, so the two
 * give the same PR for the same findings.
 */
export function assemblePlan(p: {
  files: ReadonlyMap<string, { before: string; after: string }>;
  fixed: ReadonlyArray<{ ruleId: string; summary: string }>;
  reasons: readonly string[];
  /** The members' impact notes, in member order (repeats are dropped here). */
  impact: readonly string[];
  catalogId: string | undefined;
  target: PatchPlan["target"];
  result: FindingFixResult;
}): PatchPlan {
  const { files, fixed } = p;
  const paths = [...files.keys()].sort();
  const changes = paths.map((path) => ({ path, content: (files.get(path) as { after: string }).after }));
  const diff = paths
    .map((path) => {
      const f = files.get(path) as { before: string; after: string };
      return unifiedDiff(path, f.before, f.after);
    })
    .join("");
  const ruleIds = [...new Set(fixed.map((o) => o.ruleId))];
  if (ruleIds.length === 0 && p.catalogId) ruleIds.push(p.catalogId);
  const fixes =
    fixed.length > 0
      ? [...new Map(fixed.map((o) => [`${o.ruleId} ${o.summary}`, o])).values()]
      : p.reasons.map((reason) => ({ ruleId: ruleIds[0] ?? "catalog", summary: reason }));
  const impact = [...new Set(p.impact)];
  return {
    kind: "patch",
    files: changes,
    diff,
    fixes,
    impact,
    ruleIds,
    target: p.target,
    fingerprint: stableId(changes.map((f) => `${f.path}\n${f.content}`).join("\n\0"), 24),
    result: p.result,
    fixesFromOutcomes: fixed.length > 0,
  };
}

/**
 * Conventional commit with the finding as a trailer (`git log --grep Fixloop-Finding:` finds every
 * fix for a finding). Nothing from the finding goes into the subject: it is a rule id and an
 * address from our own parse of the repository.
 */
export function fixCommitMessage(plan: PatchPlan, findingIds: readonly string[]): string {
  const rules = plan.ruleIds.join(", ") || "catalog";
  const subject = showUnsafe(`fix(security): ${rules} on ${plan.target.address || plan.target.file}`).slice(
    0,
    100,
  );
  const body = plan.fixes.map((f) => `- ${f.ruleId}: ${showUnsafe(oneLine(f.summary))}`).join("\n");
  const trailers = findingIds.map((id) => `Fixloop-Finding: ${id}`).join("\n");
  return `${subject}\n\n${body}\n\nVerified by fixloop: re-parsed with HashiCorp's HCL parser, kept\nterraform fmt-clean and re-scanned before this commit.\n\n${trailers}\n`;
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

/** "fix(security): aws_s3_bucket.backups — S3 bucket does not block public access": the block, then what was wrong. */
export function prTitle(plan: PatchPlan): string {
  const rules = plan.ruleIds.map((id) => ruleById(id)?.title ?? id);
  const what = rules.length === 1 ? (rules[0] as string) : `${rules.length} security fixes`;
  // A resource label may hold any character: shown, so a title cannot read as something else.
  return showUnsafe(`fix(security): ${plan.target.address || plan.target.file} — ${what}`).slice(0, 256);
}
