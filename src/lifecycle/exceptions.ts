// Exceptions: a human accepts a finding's risk until a date. Competing tools let these live
// forever with nobody's name on them; here an exception needs an approver (a GitHub user), a
// reason and an expiry, and when it expires the finding goes back into the loop (the sweep job):
// triaged again and on to where its triage gate sends it.

import {
  type ActiveException,
  latestExceptionsOfExcepted,
  recordException,
  revokeException,
} from "../store/exceptions.ts";
import { restartSla } from "../store/findings.ts";
import type { Db, Store } from "../store/store.ts";
import { runCommand } from "./apply.ts";
import { expireException, grantException as grant } from "./commands.ts";
import type { Actor, AuditEvent } from "./machine.ts";

export interface ExceptionRequest {
  findingId: string;
  reason: string;
  approvedBy: Extract<Actor, { kind: "github-user" }>;
  /** Required: an exception is time-bound. */
  expiresAt: Date;
  /** command (default) | file | inline, and where it is written (`path#index`, `file:line`). */
  origin?: "command" | "file" | "inline";
  reference?: string;
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
    const { events } = await runCommand(tx, req.findingId, grant(req), now);
    const e = {
      findingId: req.findingId,
      reason: req.reason,
      approvedBy: req.approvedBy,
      ...(req.origin ? { origin: req.origin } : {}),
      ...(req.reference ? { reference: req.reference } : {}),
    };
    await recordException(tx, { ...e, expiresAt: req.expiresAt.getTime() }, now);
    return events[0] as AuditEvent;
  });
}

/** Ends the exceptions that expired: each finding is triaged again and routed by its triage gate
 *  (a remediate job when it is to be fixed), its SLA restarted from the expiry. Returns how many
 *  findings came back. */
export async function expireExceptions(store: Store): Promise<number> {
  return store.transaction(async (tx) => {
    const now = store.now();
    let expired = 0;
    for (const d of await latestExceptionsOfExcepted(tx)) {
      if (d.expiresAt === null || d.expiresAt > now) continue;
      await endException(tx, d, { endedAt: d.expiresAt, why: "expired" }, now);
      expired++;
    }
    return expired;
  });
}

/** Ends one exception of an `excepted` finding (expired, or its entry left the exceptions file):
 *  the finding goes back into the loop with its SLA running again from the end. */
export async function endException(
  tx: Db,
  d: Pick<ActiveException, "findingId" | "exceptionId" | "approvedBy" | "createdAt">,
  end: { endedAt: number; why: string },
  now: number,
): Promise<void> {
  const expiry = {
    exceptionId: d.exceptionId,
    approver: d.approvedBy,
    approvedAt: d.createdAt,
    expiresAt: end.endedAt,
    why: end.why,
  };
  await runCommand(tx, d.findingId, expireException(expiry), now);
  await revokeException(tx, d.exceptionId, now);
  await restartSla(tx, d.findingId, end.endedAt);
}
