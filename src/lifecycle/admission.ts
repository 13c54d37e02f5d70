// Where a newly seen finding goes, decided from its triage alone (pure): every step is a checked
// transition with its own audit event, so the trail reads new → triaged → fixing with the reason
// for each step. Also what a re-ingest means for a finding that is already known (which command).

import type { TriagedFinding } from "../ingest/triage-finding.ts";
import type { SuppressionDecision } from "../store/suppression-scopes.ts";
import { resourceKey } from "../triage/dedupe.ts";
import { APP, type Command, Path } from "./command.ts";
import { regress, resolveBySource, suppressBySource } from "./commands.ts";
import type { Actor, AuditEvent, FindingState, Links } from "./machine.ts";

export function ingestActor(t: TriagedFinding): Actor {
  return { kind: "ingest", source: t.finding.source.tool };
}

/** `admit`: a new finding from nothing to its first resting state, and the jobs that state queues
 *  (a finding that may get a PR, and one awaiting approval — its job opens the issue that shows
 *  the proposed change — each get a remediate job). */
export function admit(t: TriagedFinding, suppression?: ArrivalSuppression): Command {
  return (finding, now) => {
    const f = t.finding;
    const path = new Path(finding, now).to(
      "new",
      ingestActor(t),
      `first seen in ${f.source.tool} (${f.source.format}) as ${f.source.findingId}`,
    );
    if (suppression) return path.to("suppressed", APP, suppression.reason).result();
    if (f.status === "suppressed")
      return path
        .to(
          "suppressed",
          ingestActor(t),
          `suppressed in ${f.source.tool}: the owners accepted or waived it there`,
        )
        .result();
    path.to("triaged", APP, t.risk.explanation);
    if (!t.actionable || t.gate.gate === "record_only") path.to("recorded_only", APP, t.reason);
    else if (t.gate.gate === "pr_after_approval") path.to("awaiting_approval", APP, t.gate.reason);
    else path.to("fixing", APP, t.gate.reason);
    return path.result();
  };
}

/** A confirmed false positive that covers a newly seen finding: it is suppressed on arrival. */
export interface ArrivalSuppression {
  decisionId: number;
  reason: string;
}

/** The rule a suppression decision names: the catalog rule, else the source's check id. */
export function suppressionRuleId(rule: { catalogId: string | null; nativeId: string }): string {
  return rule.catalogId ?? rule.nativeId;
}

/** The resource a resource-scoped suppression names (the dedupe key's resource part). */
export function suppressionResource(resource: TriagedFinding["finding"]["resource"]): string {
  return resourceKey({ resource } as TriagedFinding["finding"]);
}

const SCOPE_WORDS = {
  resource: "on this resource",
  repository: "in",
  organization: "everywhere in",
} as const;

/** The first decision that covers a new finding of `org` (and `repository`, when the document names
 *  one): the same rule, and the same resource, repository or organization by its scope. */
export function suppressionOnArrival(
  t: TriagedFinding,
  where: { org: string | null; repository: string | null },
  decisions: readonly SuppressionDecision[],
): ArrivalSuppression | undefined {
  if (where.org === null) return undefined;
  const rule = suppressionRuleId(t.finding.rule);
  const resource = suppressionResource(t.finding.resource);
  const d = decisions.find(
    (s) =>
      s.org === where.org &&
      s.ruleId === rule &&
      (s.scope === "organization" ||
        (s.scope === "repository" && s.repository !== null && s.repository === where.repository) ||
        (s.scope === "resource" && s.resource === resource)),
  );
  if (!d) return undefined;
  const by = d.decidedBy.kind === "github-user" ? d.decidedBy.login : d.decidedBy.kind;
  const place =
    d.scope === "resource"
      ? `${SCOPE_WORDS.resource} ${d.resource}`
      : d.scope === "repository"
        ? `${SCOPE_WORDS.repository} ${d.repository}`
        : `${SCOPE_WORDS.organization} ${d.org}`;
  return {
    decisionId: d.id,
    reason: `suppressed on arrival: ${rule} was confirmed a false positive ${place} by ${by} on ${new Date(d.createdAt).toISOString().slice(0, 10)} (suppression #${d.id}, finding ${d.findingId}: ${d.reason})`,
  };
}

/** The audit events that take a new finding from nothing to its first resting state. */
export function admissionPath(t: TriagedFinding, at: Date, findingId = t.dedupeKey): AuditEvent[] {
  const snapshot = { id: findingId, state: null, version: 0, riskScore: t.risk.score, gate: t.gate };
  return admit(t)(snapshot, at.getTime()).events;
}

/** A known finding seen again: the transition its new source status calls for, if any. */
export function reingestTransition(
  state: FindingState,
  t: TriagedFinding,
): { to: FindingState; actor: Actor; reason: string } | undefined {
  const f = t.finding;
  if (f.status === "failed" && state === "resolved")
    return {
      to: "reopened",
      actor: ingestActor(t),
      reason: `regression: ${f.source.tool} reports it failing again (${f.source.findingId}) after it was resolved`,
    };
  // fixloop had no fix for it (no Terraform defines it, or nothing safe to change): a person fixed
  // it some other way, and the source's own re-scan is the evidence. A finding fixloop is still
  // fixing keeps its state: its code still holds the bad value, and the next apply would undo a
  // manual fix, so the PR stays the right next step.
  if (
    (f.status === "passed" || f.status === "resolved") &&
    (state === "unlocatable" || state === "unfixable")
  )
    return {
      to: "resolved",
      actor: ingestActor(t),
      reason: `resolved by the source: ${f.source.tool} reports it ${f.status} (${f.source.findingId}); fixloop had no fix for it (${state})`,
    };
  if (
    f.status === "suppressed" &&
    (state === "triaged" || state === "recorded_only" || state === "awaiting_approval")
  )
    return {
      to: "suppressed",
      actor: ingestActor(t),
      reason: `suppressed in ${f.source.tool}: the owners accepted or waived it there`,
    };
  return undefined;
}

/** The command a re-ingest's transition calls for: a regression, a resolution or a suppression
 *  by the source (`riskScore`: the reporting record's, the priority of the regression job). */
export function reingestCommand(
  change: { to: FindingState; actor: Actor; reason: string; links?: Links },
  riskScore: number,
): Command {
  if (change.to === "reopened") return regress({ ...change, riskScore });
  if (change.to === "resolved") return resolveBySource(change);
  return suppressBySource(change);
}
