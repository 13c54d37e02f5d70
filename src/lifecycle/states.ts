// What each state of a finding means, declared once: whether the finding is still open work (its
// SLA clock runs) or closed (the clock stops), whether a merged fix is being verified there, and
// the jobs that entering the state queues. The commands (./commands.ts) read this table, and the
// state groups below are derived from it, so "entering `fixing` queues a remediate job" and
// "the SLA runs in these states" are each written in exactly one place.

import { CI_GRACE_MS, remediateJob, verifyJob } from "../jobs/kinds.ts";
import type { NewJob } from "../store/jobs.ts";
import { type FindingState, STATES } from "./machine.ts";

/** What a state's entry needs to know about the finding to build its jobs. */
export interface EnteringFinding {
  id: string;
  riskScore: number;
}

export interface StateRule {
  /** `open`: still work to do, a passing re-scan there is evidence of a fix. `closed`: fixed,
   *  accepted or waived (`new` only exists mid-admission). */
  group: "open" | "closed";
  /** Whether the SLA clock runs in this state (a breach is only marked while it runs). */
  sla: "running" | "stopped";
  /** A merged fix waits for CI and the re-scans here (src/verify). */
  verifying?: true;
  /** The jobs entering this state queues. */
  onEnter?: (finding: EnteringFinding, now: number) => NewJob[];
}

const OPEN: StateRule = { group: "open", sla: "running" };
const CLOSED: StateRule = { group: "closed", sla: "stopped" };

/** Locate, patch and open the PR — or, for a gated fix, the tracking issue that shows the proposed
 *  change and waits for `/fixloop approve`. Riskier findings first (the job's priority). */
const remediate = (f: EnteringFinding) => [remediateJob(f.id, f.riskScore)];

export const STATE_RULES: Readonly<Record<FindingState, StateRule>> = {
  new: CLOSED,
  triaged: OPEN,
  recorded_only: OPEN,
  awaiting_approval: { ...OPEN, onEnter: remediate },
  fixing: { ...OPEN, onEnter: remediate },
  pr_open: OPEN,
  // Verification takes over: CI on the merge commit, then the re-scans. Its first look is after the
  // CI grace period — right after a merge CI is still running, and a look then costs three
  // requests for nothing; CI's own completion webhooks wake it sooner.
  merged: { ...OPEN, verifying: true, onEnter: (f, now) => [verifyJob(f.id, now + CI_GRACE_MS)] },
  verifying: { ...OPEN, verifying: true },
  resolved: CLOSED,
  reopened: OPEN,
  unlocatable: OPEN,
  unfixable: OPEN,
  false_positive_pending: OPEN,
  suppressed: CLOSED,
  excepted: CLOSED,
  closed_unmerged: OPEN,
  // Accepted risk waiting for the security team's approval: still open work until approved.
  awaiting_exception: OPEN,
};

const where = (test: (r: StateRule) => boolean): readonly FindingState[] =>
  STATES.filter((s) => test(STATE_RULES[s]));

/** The state groups, named once: store queries, metrics, sweeps and API filters use these. */
export const STATE_GROUPS = {
  /** Still open work: the SLA runs, a passing re-scan is evidence of a fix. */
  open: where((r) => r.group === "open"),
  /** A merged fix being verified (`merged`, `verifying`). */
  verifying: where((r) => r.verifying === true),
  /** Fixed, accepted or waived. */
  closed: where((r) => r.group === "closed"),
  /** The SLA clock runs. */
  slaRunning: where((r) => r.sla === "running"),
} as const satisfies Record<string, readonly FindingState[]>;

export type StateGroup = keyof typeof STATE_GROUPS;

export const OPEN_STATES: ReadonlySet<FindingState> = new Set(STATE_GROUPS.open);
export const VERIFYING_STATES: ReadonlySet<FindingState> = new Set(STATE_GROUPS.verifying);

/** The jobs that entering `state` queues for the finding. */
export function entryJobs(state: FindingState, finding: EnteringFinding, now: number): NewJob[] {
  return STATE_RULES[state].onEnter?.(finding, now) ?? [];
}
