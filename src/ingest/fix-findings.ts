// `fixloop fix --findings`: each triaged finding is located in the checkout, the catalog rules that
// apply are run on the located block only, and their fixes go through the usual verified engine.

import type { Block } from "../hcl/ast.ts";
import type { ModuleCall, Resource, SourceFile, TerraformIndex } from "../hcl/index.ts";
import { parseHcl } from "../hcl/parser.ts";
import { patchFile } from "../hcl/patch-check.ts";
import { unifiedDiff } from "../hcl/unified-diff.ts";
import { locate } from "../locate/locate.ts";
import type { Candidate, Location } from "../locate/types.ts";
import {
  disruptiveSkipReason,
  type FixOutcome,
  fixDetections,
  lossyTextCheck,
  type WriteCheck,
} from "../rules/fix.ts";
import { linkedTo } from "../rules/linked.ts";
import { moduleInputFix } from "../rules/module-inputs.ts";
import { moduleOptionsOf } from "../rules/modules/calls.ts";
import { RULES, ruleById } from "../rules/registry.ts";
import { scanWithSuppressions } from "../rules/scan.ts";
import { type Detection, detectionId, impactOn, type Rule } from "../rules/types.ts";
import {
  isoDay,
  type SuppressedDetection,
  type SuppressionResult,
  suppressionSentence,
} from "../suppress/apply.ts";
import { collectSuppressions, type Suppression } from "../suppress/index.ts";
import type { TriagedFinding } from "./triage-finding.ts";

export interface FindingFixResult {
  triaged: TriagedFinding;
  location: Location;
  /** The fixes applied (or refused/skipped) for this finding; empty when nothing was attempted. */
  outcomes: FixOutcome[];
  /** suppressed: the located detection is suppressed in code (#checkov:skip…): never fixed, no PR. */
  status: "fixed" | "skipped" | "refused" | "suppressed";
  reason: string;
  /** The suppression written in the repository, when status is suppressed. */
  suppression?: Suppression;
  /** For a fix at a module call site: its diff (there is no rule outcome to carry it). */
  moduleDiff?: string;
  /** Impact notes of the fixes applied or held back as disruptive, each once. */
  impact: string[];
}

/**
 * Which findings are held back as "record only":
 *  - "triage": the triage gate decides (the app and `fix --open-pr`: it chooses which findings
 *    become pull requests);
 *  - { minRisk }: only those whose risk score is below it (`fix --findings --min-risk N`);
 *  - "none": none — plain `fix --findings` fixes every finding it is given that it can fix.
 */
export type RecordOnlyPolicy = "triage" | "none" | { minRisk: number };

function recordOnlyReason(t: TriagedFinding, policy: RecordOnlyPolicy): string | undefined {
  if (policy === "none") return undefined;
  if (policy === "triage") return t.gate.gate === "record_only" ? `record only: ${t.gate.reason}` : undefined;
  return t.risk.score < policy.minRisk
    ? `record only: risk ${t.risk.score} is below --min-risk ${policy.minRisk}`
    : undefined;
}

export interface FixFindingsOptions {
  recordOnly?: RecordOnlyPolicy;
  /** Asked before any file is changed (the CLI refuses symlinks and files that are not UTF-8). */
  refuseWrite?: WriteCheck;
  /** Suppressions of the tree; by default the comments in `sources` (#checkov:skip, #tfsec:ignore…). */
  suppressions?: readonly Suppression[];
  /** yyyy-mm-dd against which suppression expiries are judged; today (UTC) by default. */
  today?: string;
  /** Apply fixes the rule marks disruptive (default); the CLI asks for --allow-disruptive. */
  allowDisruptive?: boolean;
  /** The catalog with the repository's rule options applied (configuredRules); default RULES. */
  rules?: readonly Rule[];
  /** The tree's detections (scanWithSuppressions of `index` with these rules, suppressions and day),
   *  when the caller keeps them for several runs on one snapshot (the app's remediations). */
  scanned?: SuppressionResult;
}

type Files = Map<string, { before: string; after: string }>;

/** What fixloop decided to do about one finding, before anything is patched. */
interface FindingPlan {
  t: TriagedFinding;
  location: Location;
  detections: Detection[];
  skip?: string;
  /** file:address of each resource reached through the located block → how they are linked. */
  linked?: Map<string, string>;
  moduleFix?: { call: ModuleCall; inputs: Record<string, string> };
  suppressed?: SuppressedDetection;
}

/** What planning every finding shares: the tree's detections, suppressed ones apart, and the policy. */
interface PlanContext {
  index: TerraformIndex;
  all: Detection[];
  suppressedById: Map<string, SuppressedDetection>;
  recordOnly: RecordOnlyPolicy;
  allowDisruptive: boolean;
  /** The catalog as configured (a rule's options decide some module inputs' fixes). */
  rules: readonly Rule[];
}

export async function fixFindings(
  sources: SourceFile[],
  index: TerraformIndex,
  triaged: TriagedFinding[],
  options: FixFindingsOptions = {},
): Promise<{ results: FindingFixResult[]; files: Files }> {
  const {
    recordOnly = "triage",
    refuseWrite = lossyTextCheck(sources),
    allowDisruptive = true,
    rules = RULES,
  } = options;
  const scanned =
    options.scanned ??
    scanWithSuppressions(
      index,
      rules,
      options.suppressions ?? collectSuppressions(sources).suppressions,
      options.today ?? isoDay(new Date()),
    );
  const ctx: PlanContext = {
    index,
    all: [...scanned.active, ...scanned.suppressed.map((x) => x.detection)],
    suppressedById: new Map(scanned.suppressed.map((x) => [detectionId(x.detection), x])),
    recordOnly,
    allowDisruptive,
    rules,
  };
  const plans = triaged.map((t) => planFinding(t, ctx));
  // Several findings can point at the same problem (Wiz and Security Hub on one bucket): fix once.
  const unique = new Map<string, Detection>();
  for (const p of plans) for (const d of p.detections) unique.set(detectionId(d), d);
  const run = await fixDetections(sources, [...unique.values()], rules, index, refuseWrite, {
    allowDisruptive,
  });
  const byId = new Map(run.outcomes.map((o) => [detectionId(o.detection), o]));
  const files = run.files;
  const moduleResults = new Map<FindingPlan, Omit<FindingFixResult, "impact">>();
  for (const p of plans)
    if (p.moduleFix) moduleResults.set(p, await fixModuleCall(p, { sources, files, refuseWrite }));
  const results = plans.map((p) => resultOf(p, byId, moduleResults.get(p)));
  return { results, files };
}

function planFinding(t: TriagedFinding, ctx: PlanContext): FindingPlan {
  const rule = t.finding.rule.catalogId ? ruleById(t.finding.rule.catalogId) : undefined;
  const location = locate(t.finding, ctx.index, rule ? { resourceTypes: rule.resourceTypes } : {});
  const plan = { t, location, detections: [] as Detection[] };
  const held = recordOnlyReason(t, ctx.recordOnly);
  if (!t.actionable) return { ...plan, skip: t.reason };
  if (held) return { ...plan, skip: held };
  if (location.kind !== "located") return { ...plan, skip: location.reason };
  if (!location.candidate.resource) {
    const call = location.candidate.moduleCall!;
    const configured = ctx.rules.find((r) => r.id === rule?.id);
    const inputs = moduleInputFix(call.source, rule?.id ?? null, moduleOptionsOf(configured));
    if (inputs && rule?.disruptive && !ctx.allowDisruptive)
      return { ...plan, skip: disruptiveSkipReason(rule, typeFixed(t, location, rule)) };
    if (inputs) return { ...plan, moduleFix: { call, inputs } };
    return {
      ...plan,
      skip: rule
        ? `located at ${call.address} (${call.source}), but fixloop knows no input of that module that fixes ${rule.id} (${location.candidate.evidence})`
        : `located at ${call.address} (${call.source}); the finding names no check, so fixloop cannot tell which of the module's inputs to set`,
    };
  }
  const { resource, instance } = location.candidate;
  // Suppressed detections are never fixed; a finding all of whose detections are suppressed is
  // reported as suppressed (no PR), with the suppression as written.
  const on = detectionsOn(ctx.index, ctx.all, resource, { rule, instance });
  const active = on.detections.filter((d) => !ctx.suppressedById.has(detectionId(d)));
  const suppressed = on.detections.map((d) => ctx.suppressedById.get(detectionId(d))).find(Boolean);
  if (active.length === 0 && suppressed) return { ...plan, suppressed };
  return { ...plan, ...on, detections: active };
}

/**
 * The Terraform type of the block a finding's fix changes, for its impact notes: the located
 * resource's; at a module call, the type the finding names when it is one of the rule's ("" when
 * not known: the catalog's notes then).
 */
function typeFixed(t: TriagedFinding, location: Location, rule: Rule): string {
  if (location.kind === "located" && location.candidate.resource) return location.candidate.resource.type;
  const named = t.finding.resource.type ?? "";
  return rule.resourceTypes.includes(named) ? named : "";
}

function resultOf(
  p: FindingPlan,
  byId: Map<string, FixOutcome>,
  moduleResult: Omit<FindingFixResult, "impact"> | undefined,
): FindingFixResult {
  const rule = p.t.finding.rule.catalogId ? ruleById(p.t.finding.rule.catalogId) : undefined;
  const base = { triaged: p.t, location: p.location, outcomes: [] };
  if (p.suppressed)
    return {
      ...base,
      status: "suppressed",
      reason: `${p.suppressed.detection.ruleId} is ${suppressionSentence(p.suppressed.suppression)}`,
      suppression: p.suppressed.suppression,
      impact: [],
    };
  const type = rule ? typeFixed(p.t, p.location, rule) : "";
  if (p.skip) {
    const held = rule && p.skip === disruptiveSkipReason(rule, type) ? impactOn(rule, type) : [];
    return { ...base, status: "skipped", reason: p.skip, impact: held };
  }
  if (moduleResult)
    return { ...moduleResult, impact: moduleResult.status === "fixed" && rule ? impactOn(rule, type) : [] };
  const outcomes = p.detections
    .map((d) => byId.get(detectionId(d))!)
    .filter(Boolean)
    .map((o) => onLinked(o, p.linked));
  const status = outcomes.every((o) => o.status === "fixed")
    ? "fixed"
    : outcomes.some((o) => o.status === "refused")
      ? "refused"
      : "skipped";
  const reason = outcomes.map((o) => `${o.detection.ruleId}: ${o.reason}`).join("; ");
  const impact = [...new Set(outcomes.flatMap((o) => o.impact))];
  return { triaged: p.t, location: p.location, outcomes, status, reason, impact };
}

/**
 * The rule's detections on the located block and on the resources that configure it (a bucket's
 * public access block, a security group's separate rules): the problem is fixed where it is written.
 */
function detectionsOn(
  index: TerraformIndex,
  all: Detection[],
  target: Resource,
  { rule, instance }: { rule: Rule | undefined; instance: string | undefined },
): { detections: Detection[]; linked: Map<string, string>; skip?: string } {
  const blocks = [{ resource: target, how: "" }, ...linkedTo(index, target)];
  const detections = all.filter(
    (d) =>
      blocks.some((b) => b.resource.file === d.resource.file && b.resource.address === d.resource.address) &&
      (rule ? d.ruleId === rule.id : true) &&
      // A finding on one for_each/count instance is about that instance's problems only.
      (!instance || !d.key.startsWith("[") || d.key === instance || d.key.startsWith(`${instance} `)),
  );
  const linked = new Map(blocks.slice(1).map((b) => [`${b.resource.file}:${b.resource.address}`, b.how]));
  if (detections.length > 0) return { detections, linked };
  const where =
    blocks.length > 1
      ? `${target.address} or the resources that configure it (${blocks
          .slice(1)
          .map((b) => b.resource.address)
          .join(", ")})`
      : target.address;
  return {
    detections,
    linked,
    skip: `fixloop's ${rule ? `rule ${rule.id}` : "catalog"} finds nothing to fix on ${where}; the source may be stale or see something the code does not show`,
  };
}

/** An outcome on a linked resource says which resource it changed and why that one. */
function onLinked(o: FixOutcome, linked: Map<string, string> | undefined): FixOutcome {
  const r = o.detection.resource;
  const how = linked?.get(`${r.file}:${r.address}`);
  return how ? { ...o, reason: `on ${r.address} (${how}): ${o.reason}` } : o;
}

/**
 * Sets the inputs of a registry module call that fix the finding. The module's own code is not in
 * the checkout, so no re-scan is possible: the patch is verified (hcl2json, fmt) and says so.
 */
async function fixModuleCall(
  { t, location, moduleFix }: FindingPlan,
  { sources, files, refuseWrite }: { sources: SourceFile[]; files: Files; refuseWrite: WriteCheck },
): Promise<Omit<FindingFixResult, "impact">> {
  const { call, inputs } = moduleFix!;
  const cannotWrite = await refuseWrite(call.file);
  if (cannotWrite) return { triaged: t, location, outcomes: [], status: "refused", reason: cannotWrite };
  const original = sources.find((s) => s.path === call.file)?.text ?? "";
  const current = files.get(call.file)?.after ?? original;
  const hcl = parseHcl(call.file, current);
  const block = hcl.body.find(
    (b): b is Block => b.kind === "block" && b.type === "module" && b.labels[0] === call.name,
  );
  const base = { triaged: t, location };
  if (!block)
    return {
      ...base,
      outcomes: [],
      status: "refused",
      reason: `${call.address} is no longer in ${call.file}`,
    };
  const ops = Object.entries(inputs).map(([name, value]) => ({ kind: "set" as const, block, name, value }));
  const result = await patchFile(hcl, ops);
  if (!result.ok) return { ...base, outcomes: [], status: "refused", reason: result.reason };
  if (result.after === current) {
    return {
      ...base,
      outcomes: [],
      status: "skipped",
      reason: `${call.address} already sets ${Object.keys(inputs).join(", ")}`,
    };
  }
  files.set(call.file, { before: files.get(call.file)?.before ?? original, after: result.after });
  const summary = `set ${Object.entries(inputs)
    .map(([k, v]) => `${k} = ${v}`)
    .join(
      ", ",
    )} on ${call.address} (${call.source}); the module's code is not in this checkout, so the patch is verified but not re-scanned`;
  return {
    ...base,
    outcomes: [],
    status: "fixed",
    reason: summary,
    moduleDiff: unifiedDiff(call.file, current, result.after),
  };
}

export function candidateJson(c: Candidate) {
  return {
    address: c.resource?.address ?? c.moduleCall?.address,
    file: c.resource?.file ?? c.moduleCall?.file,
    line: c.resource?.line ?? c.moduleCall?.line,
    by: c.by,
    evidence: c.evidence,
    confidence: c.confidence,
  };
}
