// Ingest-time triage of one normalized finding: what the catalog knows of its rule, True Risk,
// a preliminary confidence (from what the finding itself says about where it is), the gate,
// the SLA due date and the dedupe key. Pure: the clock comes in as `now`.

import { type Finding, UNSPECIFIED_RULE } from "../findings/model.ts";
import { ruleById } from "../rules/registry.ts";
import { impactOn } from "../rules/types.ts";
import { type Confidence, confidence, type LocatedBy } from "../triage/confidence.ts";
import type { TriageConfig } from "../triage/config.ts";
import { dedupeKey } from "../triage/dedupe.ts";
import { decideGate, demotedGate, type GateDecision } from "../triage/gate.ts";
import { type Risk, trueRisk } from "../triage/risk.ts";
import { slaDueDate } from "../triage/sla.ts";

export interface TriagedFinding {
  finding: Finding;
  dedupeKey: string;
  risk: Risk;
  confidence: Confidence;
  gate: GateDecision;
  slaDue: string;
  /** False for findings fixloop records but cannot act on, with the reason. */
  actionable: boolean;
  reason: string;
}

/** How a finding will most likely be located, judged from the finding alone (no checkout yet). */
function expectedLocation(f: Finding): LocatedBy {
  if (f.resource.file && f.resource.line) return "file-line";
  if (f.resource.terraformAddress) return "address";
  if (f.resource.tags?.yor_trace) return "tags";
  return "identity";
}

export function triageFinding(finding: Finding, config: TriageConfig, now: Date): TriagedFinding {
  const rule = finding.rule.catalogId ? ruleById(finding.rule.catalogId) : undefined;
  // A source that names no check (the generic payload without rule_id) is checked against the
  // whole catalog on the located block; until then its fix is unknown, so treat it as disruptive.
  const unspecified = finding.rule.nativeId === UNSPECIFIED_RULE;
  const risk = trueRisk(finding, config, {
    privilegedIdentity: rule?.id === "aws-iam-wildcard-policy",
    ...(rule ? { catalogSeverity: rule.severity } : {}),
  });
  const fixable = rule?.fixable === true || unspecified;
  const conf = confidence(finding, expectedLocation(finding), rule?.fixable === true);
  const gate =
    rule && config.demotedRules?.includes(rule.id)
      ? demotedGate(rule.id)
      : decideGate(
          risk,
          conf,
          {
            fixable,
            disruptive: rule?.disruptive ?? unspecified,
            ...(rule ? { impact: impactOn(rule, finding.resource.type ?? "") } : {}),
          },
          config,
        );
  const detected = finding.firstSeen ?? now.toISOString();
  let actionable = true;
  let reason = gate.reason;
  const file = finding.resource.file;
  if (finding.status !== "failed") {
    actionable = false;
    reason = `the source reports it ${finding.status}`;
  } else if (file && !/\.tf(\.json)?$/.test(file)) {
    actionable = false;
    reason = `not a Terraform resource (${file}): recorded only`;
  } else if (!rule && unspecified) {
    reason = `${gate.reason}; the source names no check, so fixloop runs its catalog on the located block`;
  } else if (!rule) {
    actionable = false;
    reason = `no catalog rule for ${finding.source.tool} check ${finding.rule.nativeId}: recorded only`;
  }
  return {
    finding,
    dedupeKey: dedupeKey(finding),
    risk,
    confidence: conf,
    gate: actionable ? gate : { gate: "record_only", reason },
    slaDue: slaDueDate(risk.tier, detected, config),
    actionable,
    reason,
  };
}
