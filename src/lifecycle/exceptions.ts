// Exceptions: a human accepts a finding's risk until a date. Competing tools let these live
// forever with nobody's name on them; here an exception needs an approver (a GitHub user), a
// reason and an expiry, and when it expires the finding is triaged again (the sweep job).

import type { Db, Store } from "../store/store.ts";
import { changeStateIn } from "./change-state.ts";
import type { Actor, AuditEvent } from "./machine.ts";

export interface ExceptionRequest {
  findingId: string;
  reason: string;
  approvedBy: Extract<Actor, { kind: "github-user" }>;
  /** Required: an exception is time-bound. */
  expiresAt: Date;
}

export class InvalidExceptionError extends Error {
  readonly code = "INVALID_EXCEPTION";
}

/** Grants an exception: recorded with its approver and expiry, and the finding becomes `excepted`. */
export async function grantException(store: Store, req: ExceptionRequest): Promise<AuditEvent> {
  const now = store.now();
  if (!req.reason.trim()) throw new InvalidExceptionError(`an exception for ${req.findingId} needs a reason`);
  if (!(req.expiresAt.getTime() > now))
    throw new InvalidExceptionError(
      `an exception for ${req.findingId} must expire in the future (got ${Number.isNaN(req.expiresAt.getTime()) ? "an invalid date" : req.expiresAt.toISOString()})`,
    );
  return store.transaction(async (tx) => {
    const event = await changeStateIn(
      tx,
      {
        findingId: req.findingId,
        to: "excepted",
        actor: req.approvedBy,
        reason: `exception until ${req.expiresAt.toISOString()}: ${req.reason}`,
      },
      now,
    );
    await tx
      .insertInto("exceptions")
      .values({
        finding_id: req.findingId,
        kind: "exception",
        reason: req.reason,
        approved_by: JSON.stringify(req.approvedBy),
        expires_at: req.expiresAt.getTime(),
        created_at: now,
        revoked_at: null,
      })
      .execute();
    return event;
  });
}

/** Findings whose latest exception has expired: each goes back to `triaged`, by the app, saying whose exception ended. */
export async function expireExceptions(tx: Db, now: number): Promise<AuditEvent[]> {
  const due = await tx
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
  const latest = new Map<string, (typeof due)[number]>();
  for (const d of due) if (!latest.has(d.findingId)) latest.set(d.findingId, d);
  const events: AuditEvent[] = [];
  for (const d of latest.values()) {
    if (d.expires_at === null || d.expires_at > now) continue;
    const approver = JSON.parse(d.approved_by) as Actor;
    const who =
      approver.kind === "github-user" ? `${approver.login} (GitHub user ${approver.id})` : approver.kind;
    events.push(
      await changeStateIn(
        tx,
        {
          findingId: d.findingId,
          to: "triaged",
          actor: { kind: "app" },
          reason: `exception #${d.exceptionId} approved by ${who} expired on ${new Date(d.expires_at).toISOString()}`,
          expectedFrom: "excepted",
        },
        now,
      ),
    );
  }
  return events;
}
