// The exceptions table: a human's time-bound acceptance of a finding's risk, with the approver and
// the expiry. The finding's state moves with it through src/lifecycle/exceptions.ts.

import type { Actor } from "../lifecycle/machine.ts";
import type { Db } from "./store.ts";

export interface NewException {
  findingId: string;
  reason: string;
  approvedBy: Actor;
  expiresAt: number;
  /** exception (the default) | snooze (no approval: `approvedBy` is who snoozed it). */
  kind?: "exception" | "snooze";
  /** Who asked for it (never its approver), by a /fixloop command. */
  requestedBy?: Actor;
  /** command (a /fixloop command) | file | inline; the column's default when absent. */
  origin?: "command" | "file" | "inline";
}

export async function recordException(tx: Db, e: NewException, now: number): Promise<void> {
  await tx
    .insertInto("exceptions")
    .values({
      finding_id: e.findingId,
      kind: e.kind ?? "exception",
      reason: e.reason,
      approved_by: JSON.stringify(e.approvedBy),
      expires_at: e.expiresAt,
      created_at: now,
      revoked_at: null,
      ...(e.origin ? { origin: e.origin } : {}),
      ...(e.requestedBy ? { requested_by: JSON.stringify(e.requestedBy) } : {}),
    })
    .execute();
}

export interface ActiveException {
  findingId: string;
  exceptionId: number;
  expiresAt: number | null;
  approvedBy: Actor;
}

/** The latest unrevoked exception of each `excepted` finding. */
export async function latestExceptionsOfExcepted(db: Db): Promise<ActiveException[]> {
  const rows = await db
    .selectFrom("findings")
    .innerJoin("exceptions", "exceptions.finding_id", "findings.id")
    .select([
      "findings.id as findingId",
      "exceptions.id as exceptionId",
      "exceptions.expires_at",
      "exceptions.approved_by",
    ])
    .where("findings.state", "=", "excepted")
    .where("exceptions.revoked_at", "is", null)
    .orderBy("exceptions.id", "desc")
    .execute();
  const latest = new Map<string, ActiveException>();
  for (const r of rows)
    if (!latest.has(r.findingId))
      latest.set(r.findingId, {
        findingId: r.findingId,
        exceptionId: r.exceptionId,
        expiresAt: r.expires_at,
        approvedBy: JSON.parse(r.approved_by) as Actor,
      });
  return [...latest.values()];
}

export interface ExceptionRecord {
  id: number;
  kind: string;
  reason: string;
  approvedBy: Actor;
  requestedBy: Actor | null;
  expiresAt: number | null;
  createdAt: number;
}

/** The finding's latest unrevoked exception or snooze (what `/fixloop status` shows while excepted). */
export async function latestExceptionOf(db: Db, findingId: string): Promise<ExceptionRecord | undefined> {
  const r = await db
    .selectFrom("exceptions")
    .selectAll()
    .where("finding_id", "=", findingId)
    .where("revoked_at", "is", null)
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    id: Number(r.id),
    kind: r.kind,
    reason: r.reason,
    approvedBy: JSON.parse(r.approved_by) as Actor,
    requestedBy: r.requested_by ? (JSON.parse(r.requested_by) as Actor) : null,
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    createdAt: Number(r.created_at),
  };
}
