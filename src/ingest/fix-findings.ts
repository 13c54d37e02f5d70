// `fixloop fix --findings`: each triaged finding is located in the checkout, the catalog rules that
// apply are run on the located block only, and their fixes go through the usual verified engine.

import type { SourceFile, TerraformIndex } from "../hcl/index.ts";
import { locate } from "../locate/locate.ts";
import type { Candidate, Location } from "../locate/types.ts";
import { type FixOutcome, fixDetections } from "../rules/fix.ts";
import { RULES, ruleById } from "../rules/registry.ts";
import { scanIndex } from "../rules/scan.ts";
import { type Detection, detectionId } from "../rules/types.ts";
import type { TriagedFinding } from "./triage-finding.ts";

export interface FindingFixResult {
  triaged: TriagedFinding;
  location: Location;
  /** The fixes applied (or refused/skipped) for this finding; empty when nothing was attempted. */
  outcomes: FixOutcome[];
  status: "fixed" | "skipped" | "refused";
  reason: string;
}

export async function fixFindings(
  sources: SourceFile[],
  index: TerraformIndex,
  triaged: TriagedFinding[],
): Promise<{ results: FindingFixResult[]; files: Map<string, { before: string; after: string }> }> {
  const plans: Array<{ t: TriagedFinding; location: Location; detections: Detection[]; skip?: string }> = [];
  const all = scanIndex(index, RULES);
  for (const t of triaged) {
    const rule = t.finding.rule.catalogId ? ruleById(t.finding.rule.catalogId) : undefined;
    const location = locate(t.finding, index, rule ? { resourceTypes: rule.resourceTypes } : {});
    const plan = { t, location, detections: [] as Detection[] };
    if (!t.actionable) plans.push({ ...plan, skip: t.reason });
    else if (t.gate.gate === "record_only") plans.push({ ...plan, skip: `record only: ${t.gate.reason}` });
    else if (location.kind !== "located") plans.push({ ...plan, skip: location.reason });
    else if (!location.candidate.resource) {
      plans.push({
        ...plan,
        skip: `located at ${location.candidate.moduleCall!.address}, a registry module: fixing a module's inputs is not supported yet (${location.candidate.evidence})`,
      });
    } else {
      const target = location.candidate.resource;
      const detections = all.filter(
        (d) =>
          d.resource.file === target.file &&
          d.resource.address === target.address &&
          (rule ? d.ruleId === rule.id : true),
      );
      plans.push({
        ...plan,
        detections,
        ...(detections.length === 0
          ? {
              skip: `fixloop's ${rule ? `rule ${rule.id}` : "catalog"} finds nothing to fix on ${target.address}; the source may be stale or see something the code does not show`,
            }
          : {}),
      });
    }
  }
  // Several findings can point at the same problem (Wiz and Security Hub on one bucket): fix once.
  const unique = new Map<string, Detection>();
  for (const p of plans) for (const d of p.detections) unique.set(detectionId(d), d);
  const run = await fixDetections(sources, [...unique.values()], RULES, index);
  const byId = new Map(run.outcomes.map((o) => [detectionId(o.detection), o]));
  const results = plans.map((p): FindingFixResult => {
    if (p.skip)
      return { triaged: p.t, location: p.location, outcomes: [], status: "skipped", reason: p.skip };
    const outcomes = p.detections.map((d) => byId.get(detectionId(d))!).filter(Boolean);
    const status = outcomes.every((o) => o.status === "fixed")
      ? "fixed"
      : outcomes.some((o) => o.status === "refused")
        ? "refused"
        : "skipped";
    const reason = outcomes.map((o) => `${o.detection.ruleId}: ${o.reason}`).join("; ");
    return { triaged: p.t, location: p.location, outcomes, status, reason };
  });
  return { results, files: run.files };
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
