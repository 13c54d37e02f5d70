// The exceptions table: a human's time-bound acceptance of a finding's risk, with the approver and
// the expiry. The finding's state moves with it through src/lifecycle/exceptions.ts.

import type { Actor } from "../lifecycle/machine.ts";
import type { Db } from "./store.ts";

export interface NewException {
  findingId: string;
  reason: string;
  approvedBy: Actor;
  expiresAt: number;
  /** exception (accepted risk, the default) | snooze (a short, unapproved deferral). */
  kind?: "exception" | "snooze";
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
