// The shape every lifecycle command shares. A command is a pure function of the finding (as it is
// now) and the clock: it returns the audit events of the transitions it makes and the jobs that
// follow (the entered states' jobs from ./states.ts, plus any the decision itself needs).
// ./apply.ts writes a result — state, events, jobs — in one transaction; nothing else does.

import type { NewJob } from "../store/jobs.ts";
import { ConcurrentChangeError } from "./errors.ts";
import { type Actor, type AuditEvent, type FindingState, type Links, transition } from "./machine.ts";
import { entryJobs } from "./states.ts";

/** What a command knows about a finding: read in the applying transaction. */
export interface FindingSnapshot {
  id: string;
  /** null: the finding is being created (admission). */
  state: FindingState | null;
  /** Bumped on every transition; the write is refused if someone moved the finding meanwhile. */
  version: number;
  riskScore: number;
  /** The stored triage gate: where a finding goes when it is triaged again. */
  gate: { gate: string; reason: string };
  /** Its organization, when read from the store (audit events carry it). */
  org?: string | null;
}

export interface CommandResult {
  findingId: string;
  /** The state the command started from (null: admission). */
  from: FindingState | null;
  /** The transitions, in order; empty when the command has nothing to change. */
  events: AuditEvent[];
  /** The jobs to queue with them (a job whose unique key is already queued is skipped). */
  jobs: NewJob[];
}

export type Command = (finding: FindingSnapshot, now: number) => CommandResult;

export const APP: Actor = { kind: "app" };

export interface StepOptions {
  links?: Links;
  /** The caller does the entered state's work itself, now (a running job that moves the finding
   *  on and carries on): its entry jobs are not queued again. */
  inline?: boolean;
}

/** Builds a command's result step by step: each step is a checked transition (./machine.ts). */
export class Path {
  private readonly events: AuditEvent[] = [];
  private readonly jobs: NewJob[] = [];
  private current: FindingState | null;

  constructor(
    private readonly finding: FindingSnapshot,
    private readonly now: number,
  ) {
    this.current = finding.state;
  }

  get state(): FindingState | null {
    return this.current;
  }

  /** Refuses unless the finding is in `state` (a caller acting on what it read earlier). */
  expect(state: FindingState): this {
    if (this.current !== state)
      throw new ConcurrentChangeError(this.finding.id, state, this.current ?? undefined);
    return this;
  }

  to(to: FindingState, actor: Actor, reason: string, options: StepOptions = {}): this {
    this.events.push(
      transition({
        findingId: this.finding.id,
        from: this.current,
        to,
        actor,
        reason,
        at: new Date(this.now),
        ...(options.links ? { links: options.links } : {}),
      }),
    );
    this.current = to;
    if (!options.inline)
      this.jobs.push(...entryJobs(to, { id: this.finding.id, riskScore: this.finding.riskScore }, this.now));
    return this;
  }

  /** The work of entering `state` again, without a transition (a retry of a finding being fixed
   *  or under review gets the remediate job entering `fixing` queues). */
  redo(state: FindingState): this {
    this.jobs.push(...entryJobs(state, { id: this.finding.id, riskScore: this.finding.riskScore }, this.now));
    return this;
  }

  /** A decision that changes no state (a re-routing) recorded in the trail as a step from the
   *  current state to itself, so the trail keeps who decided what; it queues nothing. */
  note(actor: Actor, reason: string): this {
    const state = this.current;
    if (state === null) throw new Error(`a note on ${this.finding.id} needs a stored finding`);
    if (!reason.trim()) throw new Error(`a note on ${this.finding.id} needs a reason`);
    const at = new Date(this.now).toISOString();
    this.events.push({ findingId: this.finding.id, from: state, to: state, at, actor, reason, links: {} });
    return this;
  }

  queue(...jobs: NewJob[]): this {
    this.jobs.push(...jobs);
    return this;
  }

  result(): CommandResult {
    return { findingId: this.finding.id, from: this.finding.state, events: this.events, jobs: this.jobs };
  }
}

/** The step a triaged finding takes next, from its stored triage gate: recorded only, waiting for
 *  approval, or being fixed (each state's entry queues what it needs). */
export function routeByGate(path: Path, gate: FindingSnapshot["gate"]): Path {
  if (gate.gate === "record_only") return path.to("recorded_only", APP, gate.reason);
  if (gate.gate === "pr_after_approval") return path.to("awaiting_approval", APP, gate.reason);
  return path.to("fixing", APP, gate.reason);
}
