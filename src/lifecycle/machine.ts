// The finding state machine: the one table of allowed transitions, and the pure function that
// checks a transition and describes the audit event it must write. The store (next step) applies
// the new state and appends the event in one transaction; nothing else changes a finding's state.

export const STATES = [
  "new",
  "triaged",
  "recorded_only",
  "awaiting_approval",
  "fixing",
  "pr_open",
  "merged",
  "verifying",
  "resolved",
  "reopened",
  "unlocatable",
  "unfixable",
  "false_positive_pending",
  "suppressed",
  "excepted",
  "closed_unmerged",
  "awaiting_exception",
] as const;

export type FindingState = (typeof STATES)[number];

/** Where a finding may go from each state. Anything else is an IllegalTransitionError. */
export const TRANSITIONS: Readonly<Record<FindingState, readonly FindingState[]>> = {
  new: ["triaged", "suppressed"],
  triaged: [
    "recorded_only",
    "awaiting_approval",
    "fixing",
    "unlocatable",
    "suppressed",
    "excepted",
    "false_positive_pending",
    "awaiting_exception",
  ],
  recorded_only: [
    "triaged",
    "resolved",
    "suppressed",
    "excepted",
    "false_positive_pending",
    "awaiting_exception",
  ],
  awaiting_approval: [
    "fixing",
    "recorded_only",
    "suppressed",
    "excepted",
    "false_positive_pending",
    "awaiting_exception",
  ],
  fixing: ["pr_open", "unlocatable", "unfixable", "resolved"],
  // A person's decision on a fix PR (false positive, accept risk, snooze) takes it out of review.
  pr_open: [
    "merged",
    "closed_unmerged",
    "fixing",
    "false_positive_pending",
    "awaiting_exception",
    "excepted",
  ],
  merged: ["verifying", "reopened"],
  verifying: ["resolved", "reopened"],
  resolved: ["reopened"],
  reopened: ["triaged", "fixing", "suppressed", "excepted", "false_positive_pending", "awaiting_exception"],
  unlocatable: [
    "triaged",
    "suppressed",
    "excepted",
    "resolved",
    "false_positive_pending",
    "awaiting_exception",
  ],
  unfixable: [
    "triaged",
    "suppressed",
    "excepted",
    "resolved",
    "false_positive_pending",
    "awaiting_exception",
  ],
  // Confirmed (suppressed) or rejected by the security team: triaged again, and on where its gate sends it.
  false_positive_pending: ["suppressed", "triaged"],
  suppressed: ["triaged", "reopened"],
  // An exception is time-bound: when it expires the finding is triaged again.
  excepted: ["triaged", "resolved"],
  closed_unmerged: [
    "triaged",
    "fixing",
    "suppressed",
    "excepted",
    "false_positive_pending",
    "awaiting_exception",
  ],
  // A requested exception waits for the security team's approval (`/fixloop approve-exception`).
  awaiting_exception: ["excepted", "triaged"],
};

export type Actor =
  | { kind: "app" }
  | { kind: "github-user"; login: string; id: number }
  | { kind: "ingest"; source: string };

export interface Links {
  pr?: string;
  commit?: string;
  checkRun?: string;
  scan?: string;
  /** The tracking issue that says why there is no PR. */
  issue?: string;
}

/** One audit event: append-only; the store has no update or delete path for these. */
export interface AuditEvent {
  findingId: string;
  from: FindingState | null;
  to: FindingState;
  at: string;
  actor: Actor;
  reason: string;
  links: Links;
}

export class IllegalTransitionError extends Error {
  readonly code = "ILLEGAL_TRANSITION";
  constructor(
    readonly findingId: string,
    readonly from: FindingState,
    readonly to: FindingState,
  ) {
    super(
      `finding ${findingId} cannot go from ${from} to ${to}; from ${from} it may go to ${TRANSITIONS[from].join(", ") || "nowhere"}`,
    );
    this.name = "IllegalTransitionError";
  }
}

export interface TransitionRequest {
  findingId: string;
  from: FindingState | null; // null: the finding is being created
  to: FindingState;
  actor: Actor;
  reason: string;
  links?: Links;
  /** The caller's clock. */
  at: Date;
}

// The last time formatted: an admission's three events share one clock reading, and 5,000
// admissions in one ingest share it too.
let lastMs = Number.NaN;
let lastIso = "";
function isoTime(at: Date): string {
  const ms = at.getTime();
  if (ms !== lastMs) {
    lastIso = at.toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/** Checks a transition and returns the audit event to append with it; throws when it is illegal. */
export function transition(req: TransitionRequest): AuditEvent {
  if (req.from === null) {
    if (req.to !== "new") throw new IllegalTransitionError(req.findingId, "new", req.to);
  } else if (!TRANSITIONS[req.from].includes(req.to)) {
    throw new IllegalTransitionError(req.findingId, req.from, req.to);
  }
  if (!req.reason.trim()) throw new Error(`a transition of ${req.findingId} to ${req.to} needs a reason`);
  return {
    findingId: req.findingId,
    from: req.from,
    to: req.to,
    at: isoTime(req.at),
    actor: req.actor,
    reason: req.reason,
    links: req.links ?? {},
  };
}
