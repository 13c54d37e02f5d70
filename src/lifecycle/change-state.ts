// The one place where a stored finding changes state: the transition is checked against the
// machine's table, the row is moved only if nobody moved it first (optimistic version check),
// and the audit event is appended in the same transaction.

import { appendAuditEvents } from "../store/audit.ts";
import { FindingNotFoundError } from "../store/findings.ts";
import type { Db, Store } from "../store/store.ts";
import { type Actor, type AuditEvent, type FindingState, type Links, transition } from "./machine.ts";

export interface StateChange {
  findingId: string;
  to: FindingState;
  actor: Actor;
  reason: string;
  links?: Links;
  /** Refuse unless the finding is in this state now (a caller acting on what it read earlier). */
  expectedFrom?: FindingState;
}

/** Another writer changed the finding between our read and our write; nothing was written. */
export class ConcurrentChangeError extends Error {
  readonly code = "CONCURRENT_CHANGE";
  constructor(
    readonly findingId: string,
    readonly expected: FindingState,
    readonly actual: FindingState | undefined,
  ) {
    super(
      `finding ${findingId} is ${actual ?? "gone"}, not ${expected}: it was changed by someone else meanwhile`,
    );
    this.name = "ConcurrentChangeError";
  }
}

/** Applies one state change inside the caller's transaction. */
export async function changeStateIn(tx: Db, change: StateChange, now: number): Promise<AuditEvent> {
  const current = await tx
    .selectFrom("findings")
    .select(["state", "version"])
    .where("id", "=", change.findingId)
    .executeTakeFirst();
  if (!current) throw new FindingNotFoundError(change.findingId);
  const from = current.state as FindingState;
  if (change.expectedFrom && change.expectedFrom !== from)
    throw new ConcurrentChangeError(change.findingId, change.expectedFrom, from);
  const event = transition({ ...change, from, at: new Date(now) });
  const moved = await tx
    .updateTable("findings")
    .set({ state: change.to, version: current.version + 1, updated_at: now })
    .where("id", "=", change.findingId)
    .where("version", "=", current.version)
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) {
    const after = await tx
      .selectFrom("findings")
      .select("state")
      .where("id", "=", change.findingId)
      .executeTakeFirst();
    throw new ConcurrentChangeError(change.findingId, from, after?.state as FindingState | undefined);
  }
  await appendAuditEvents(tx, [event]);
  return event;
}

/** Applies one state change in a transaction of its own. */
export function changeState(store: Store, change: StateChange): Promise<AuditEvent> {
  return store.transaction((tx) => changeStateIn(tx, change, store.now()));
}
