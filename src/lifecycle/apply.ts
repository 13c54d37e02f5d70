// The one place a lifecycle command's result is written: the finding's new state (refused if
// someone moved it since it was read), the audit events and the jobs, in one transaction.

import type { TriagedFinding } from "../ingest/triage-finding.ts";
import { prReviewRefreshJob } from "../jobs/kinds.ts";
import { hasAssociatedPrs } from "../store/associated-prs.ts";
import { appendAuditEvents } from "../store/audit.ts";
import {
  FindingNotFoundError,
  findingSnapshot,
  findingState,
  insertFindings,
  writeFindingState,
} from "../store/findings.ts";
import { enqueueJobs, type NewJob } from "../store/jobs.ts";
import type { NewFindingRow } from "../store/schema.ts";
import type { Db, Store } from "../store/store.ts";
import { type ArrivalSuppression, admit } from "./admission.ts";
import type { Command, CommandResult, FindingSnapshot } from "./command.ts";
import { ConcurrentChangeError } from "./errors.ts";
import type { FindingState } from "./machine.ts";
import { STATE_RULES } from "./states.ts";

/** Writes a command's result for a finding read as `finding`, inside the caller's transaction. */
export async function applyResult(
  tx: Db,
  finding: FindingSnapshot,
  result: CommandResult,
  now: number,
): Promise<void> {
  const followUps = await writeTransitions(tx, finding, result, now);
  await enqueueJobs(tx, [...result.jobs, ...followUps], now);
}

/**
 * The state and the audit events of a result; refused if the finding moved since it was read.
 * Returns the jobs that follow from where the finding landed rather than from the command.
 */
async function writeTransitions(
  tx: Db,
  finding: FindingSnapshot,
  result: CommandResult,
  now: number,
): Promise<NewJob[]> {
  const last = result.events.at(-1);
  if (!last || finding.state === null) return [];
  const write = { id: finding.id, version: finding.version, to: last.to, steps: result.events.length };
  if (!(await writeFindingState(tx, write, now)))
    throw new ConcurrentChangeError(finding.id, finding.state, await findingState(tx, finding.id));
  await appendAuditEvents(tx, result.events, orgOf(finding));
  return associatedPrJobs(tx, finding.id, finding.state, last.to);
}

/**
 * A finding that leaves open work (resolved, excepted, suppressed) or comes back to it (reopened)
 * while people's PRs show it or change its file: their comment and label follow, through a job
 * queued in this transaction (nothing when no such PR exists: one read, no job).
 */
async function associatedPrJobs(tx: Db, findingId: string, from: FindingState, to: FindingState) {
  if (STATE_RULES[from].group === STATE_RULES[to].group) return [];
  return (await hasAssociatedPrs(tx, findingId)) ? [prReviewRefreshJob(findingId)] : [];
}

const orgOf = (finding: FindingSnapshot) =>
  new Map(finding.org === undefined ? [] : [[finding.id, finding.org]]);

async function snapshot(tx: Db, findingId: string): Promise<FindingSnapshot> {
  const finding = await findingSnapshot(tx, findingId);
  if (!finding) throw new FindingNotFoundError(findingId);
  return finding;
}

/** Reads the finding, runs the command on it and writes the result, inside the caller's transaction. */
export async function runCommand(
  tx: Db,
  findingId: string,
  command: Command,
  now: number,
): Promise<CommandResult> {
  const finding = await snapshot(tx, findingId);
  const result = command(finding, now);
  await applyResult(tx, finding, result, now);
  return result;
}

/** `runCommand` for a batch that queues all its jobs at once, in order (ingest): writes the state
 *  and the events, and returns the jobs for the caller to queue in the same transaction. */
export async function applyTransitions(
  tx: Db,
  findingId: string,
  command: Command,
  now: number,
): Promise<NewJob[]> {
  const finding = await snapshot(tx, findingId);
  const result = command(finding, now);
  const followUps = await writeTransitions(tx, finding, result, now);
  return [...result.jobs, ...followUps];
}

/** `runCommand` in a transaction of its own. */
export function runCommandAlone(store: Store, findingId: string, command: Command): Promise<CommandResult> {
  return store.transaction((tx) => runCommand(tx, findingId, command, store.now()));
}

export interface Admission {
  triaged: TriagedFinding;
  /** The finding's row; its state and version are set here from the admission path. */
  row: Omit<NewFindingRow, "state" | "version">;
  /** A confirmed false positive covers it: suppressed on arrival. */
  suppression?: ArrivalSuppression;
}

/** The outcome of admitting new findings: each one's resting state, in order. Each row is
 *  completed in place (its state and version set) and becomes the row to insert: a copy of each
 *  27-column row cost ~8% of a 5,000-finding admission plan (docs/benchmarks.md). */
export function admissions(
  list: readonly Admission[],
  now: number,
): Array<{ row: NewFindingRow; result: CommandResult }> {
  return list.map(({ triaged, row, suppression }) => {
    const result = admit(triaged, suppression)(
      { id: row.id, state: null, version: 0, riskScore: triaged.risk.score, gate: triaged.gate },
      now,
    );
    const admitted = row as NewFindingRow;
    admitted.state = result.events.at(-1)?.to as FindingState;
    admitted.version = result.events.length;
    return { row: admitted, result };
  });
}

/** Inserts admitted findings with their trails (one statement per chunk). Their first jobs are in
 *  each result, for the caller to queue in the same transaction. */
export async function applyAdmissions(
  tx: Db,
  admitted: ReadonlyArray<{ row: NewFindingRow; result: CommandResult }>,
): Promise<void> {
  await insertFindings(
    tx,
    admitted.map((a) => a.row),
  );
  await appendAuditEvents(
    tx,
    admitted.flatMap((a) => a.result.events),
    new Map(admitted.map((a) => [a.row.id, a.row.org ?? null])),
  );
}
