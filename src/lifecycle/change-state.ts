// One checked transition with no decision behind it: the transition is checked against the
// machine's table, the row is moved only if nobody moved it first (optimistic version check), and
// the audit event is appended in the same transaction. The app's decisions go through the
// commands (./commands.ts), which also queue what the entered state needs; this stays for
// operators' tools and tests that put a finding in a given state.

import { appendAuditEvents } from "../store/audit.ts";
import { FindingNotFoundError, findingSnapshot, findingState, writeFindingState } from "../store/findings.ts";
import type { Db, Store } from "../store/store.ts";
import { ConcurrentChangeError } from "./errors.ts";
import { type Actor, type AuditEvent, type FindingState, type Links, transition } from "./machine.ts";

export { ConcurrentChangeError };

export interface StateChange {
  findingId: string;
  to: FindingState;
  actor: Actor;
  reason: string;
  links?: Links;
  /** Refuse unless the finding is in this state now (a caller acting on what it read earlier). */
  expectedFrom?: FindingState;
}

/** Applies one state change inside the caller's transaction. */
export async function changeStateIn(tx: Db, change: StateChange, now: number): Promise<AuditEvent> {
  const current = await findingSnapshot(tx, change.findingId);
  if (!current) throw new FindingNotFoundError(change.findingId);
  const from = current.state;
  if (change.expectedFrom && change.expectedFrom !== from)
    throw new ConcurrentChangeError(change.findingId, change.expectedFrom, from);
  const event = transition({ ...change, from, at: new Date(now) });
  const write = { id: change.findingId, version: current.version, to: change.to, steps: 1 };
  if (!(await writeFindingState(tx, write, now)))
    throw new ConcurrentChangeError(change.findingId, from, await findingState(tx, change.findingId));
  await appendAuditEvents(tx, [event], new Map([[change.findingId, current.org]]));
  return event;
}

/** Applies one state change in a transaction of its own. */
export function changeState(store: Store, change: StateChange): Promise<AuditEvent> {
  return store.transaction((tx) => changeStateIn(tx, change, store.now()));
}
