// A stored finding back in the shape the fix engine takes (TriagedFinding). The triage that was
// recorded at admission is reused as is, so a remediation acts on the risk and gate the audit
// trail shows, not on a re-computation under a configuration that may have changed since.

import type { Finding } from "../findings/model.ts";
import type { TriagedFinding } from "../ingest/triage-finding.ts";
import type { FindingSource, StoredFinding } from "../store/findings.ts";

export function triagedFromStored(f: StoredFinding, sources: readonly FindingSource[]): TriagedFinding {
  const first = sources[0];
  const finding: Finding = {
    source: {
      tool: first?.tool ?? "unknown",
      format: first?.format ?? "unknown",
      findingId: first?.sourceFindingId ?? f.id,
    },
    rule: f.rule,
    title: f.title,
    severity: { native: f.severity, normalized: f.severity as Finding["severity"]["normalized"] },
    resource: f.resource,
    status: "failed",
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    context: f.context,
    raw: first?.raw ?? null,
  };
  return {
    finding,
    dedupeKey: f.id,
    risk: f.risk,
    confidence: f.confidence,
    gate: f.gate,
    slaDue: f.slaDue,
    actionable: f.actionable,
    reason: f.gate.reason,
  };
}
