// Where a newly seen finding goes, decided from its triage alone (pure): every step is a checked
// transition with its own audit event, so the trail reads new → triaged → fixing with the reason
// for each step. Also what a re-ingest means for a finding that is already known.

import type { TriagedFinding } from "../ingest/triage-finding.ts";
import { type Actor, type AuditEvent, type FindingState, STATES, transition } from "./machine.ts";

const APP: Actor = { kind: "app" };

export function ingestActor(t: TriagedFinding): Actor {
  return { kind: "ingest", source: t.finding.source.tool };
}

/** The audit events that take a new finding from nothing to its first resting state. */
export function admissionPath(t: TriagedFinding, at: Date, findingId = t.dedupeKey): AuditEvent[] {
  const f = t.finding;
  const events: AuditEvent[] = [];
  let from: FindingState | null = null;
  const step = (to: FindingState, actor: Actor, reason: string) => {
    events.push(transition({ findingId, from, to, actor, reason, at }));
    from = to;
  };
  step("new", ingestActor(t), `first seen in ${f.source.tool} (${f.source.format}) as ${f.source.findingId}`);
  if (f.status === "suppressed") {
    step(
      "suppressed",
      ingestActor(t),
      `suppressed in ${f.source.tool}: the owners accepted or waived it there`,
    );
    return events;
  }
  step("triaged", APP, t.risk.explanation);
  if (!t.actionable || t.gate.gate === "record_only") step("recorded_only", APP, t.reason);
  else if (t.gate.gate === "pr_after_approval") step("awaiting_approval", APP, t.gate.reason);
  else step("fixing", APP, t.gate.reason);
  return events;
}

/** States in which a finding is closed: fixed, accepted or waived (`new` only exists mid-admission). */
const CLOSED_STATES: ReadonlySet<FindingState> = new Set<FindingState>([
  "new",
  "resolved",
  "suppressed",
  "excepted",
]);

/** States in which a finding is still open work: a passing re-scan there is evidence of a fix,
 *  and its SLA keeps running. */
export const OPEN_STATES: ReadonlySet<FindingState> = new Set(STATES.filter((s) => !CLOSED_STATES.has(s)));

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
