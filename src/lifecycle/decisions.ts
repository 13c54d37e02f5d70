// People's decisions beyond the state change itself: what a finding waits for (read back from its
// audit trail, where the request was recorded with its requester), the limits of an accepted risk,
// and the records written with a decision in the same transaction — the exception or snooze with
// its requester, approver and expiry, the scope of a confirmed false positive, the new owner.

import type { StoredAuditEvent } from "../store/audit.ts";
import { type NewException, recordException } from "../store/exceptions.ts";
import { routeFinding } from "../store/findings.ts";
import type { Db } from "../store/store.ts";
import { type NewSuppressionDecision, recordSuppressionScope } from "../store/suppression-scopes.ts";
import { runCommand } from "./apply.ts";
import type { Command } from "./command.ts";
import type { Actor, FindingState } from "./machine.ts";

const DAY = 86_400_000;

/** What a finding waits for, from the event that put it there. */
export type PendingDecision =
  | { kind: "false-positive"; by: Actor; reason: string; at: string }
  | { kind: "exception"; by: Actor; until: string; reason: string; at: string };

const FP = /^false positive reported by \S+: ([\s\S]*)$/;
const EXCEPTION = /^exception requested by \S+ until (\d{4}-\d{2}-\d{2}): ([\s\S]*)$/;

/** The open request of a finding in `false_positive_pending` or `awaiting_exception` (the reason
 *  format is the one src/lifecycle/commands.ts writes). */
export function pendingDecision(
  state: FindingState,
  trail: readonly StoredAuditEvent[],
): PendingDecision | undefined {
  const last = trail.findLast((e) => e.to === state && e.from !== state);
  if (!last) return undefined;
  if (state === "false_positive_pending") {
    const m = FP.exec(last.reason);
    return { kind: "false-positive", by: last.actor, reason: m?.[1] ?? last.reason, at: last.at };
  }
  if (state === "awaiting_exception") {
    const m = EXCEPTION.exec(last.reason);
    if (!m) return undefined;
    return { kind: "exception", by: last.actor, until: m[1] as string, reason: m[2] as string, at: last.at };
  }
  return undefined;
}

export const loginOf = (actor: Actor): string | undefined =>
  actor.kind === "github-user" ? actor.login : undefined;

/** When an exception or snooze `until` a date ends: the start of the next day (UTC), so the date
 *  itself is still covered. */
export function untilEnd(until: string): number {
  return Date.parse(`${until}T00:00:00Z`) + DAY;
}

/** How many days from today (UTC) to `until`: 1 for tomorrow. */
export function daysUntil(until: string, now: number): number {
  return Math.round((Date.parse(`${until}T00:00:00Z`) - Math.floor(now / DAY) * DAY) / DAY);
}

/** Why `until` is not a date an exception or snooze may run to, or null when it is. */
export function durationRefusal(until: string, now: number, maxDays: number, what: string): string | null {
  const days = daysUntil(until, now);
  if (days < 1) return `${until} is not after today (${new Date(now).toISOString().slice(0, 10)})`;
  if (days > maxDays) return `${what} may last at most ${maxDays} days (${until} is ${days} days away)`;
  return null;
}

/** Runs an exception-granting command (approve-exception, snooze) and, when it moved the finding,
 *  records the exception with it; whether it moved. */
export async function grantIn(
  tx: Db,
  command: Command,
  exception: NewException,
  now: number,
): Promise<boolean> {
  const result = await runCommand(tx, exception.findingId, command, now);
  if (result.events.length === 0) return false;
  await recordException(tx, exception, now);
  return true;
}

/** Runs confirm-false-positive and, when it moved the finding, records its scope; the scope's id. */
export async function confirmIn(
  tx: Db,
  command: Command,
  scope: NewSuppressionDecision,
  now: number,
): Promise<number | undefined> {
  const result = await runCommand(tx, scope.findingId, command, now);
  if (result.events.length === 0) return undefined;
  return recordSuppressionScope(tx, scope, now);
}

/** Runs assign and stores the new owner with it. */
export async function routeIn(tx: Db, findingId: string, command: Command, team: string, now: number) {
  await runCommand(tx, findingId, command, now);
  await routeFinding(tx, findingId, team, now);
}
