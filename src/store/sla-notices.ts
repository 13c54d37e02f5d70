// "This SLA notice was given": one marker per notice, finding, due date and (for the escalation
// ladder) step, so the notice is given once however often the sweep runs and however many replicas
// run it. A marker is claimed before the comment is posted and released when the post fails, so
// the next sweep tries again (the pattern of ./overdue-notices.ts). The markers share the
// `deliveries` table with webhook deliveries (an idempotency key is an idempotency key; no
// migration), under their own `sla:` prefix and event names; this module is their one door.

import { firstDelivery } from "./deliveries.ts";
import type { Db } from "./store.ts";

/** What is told: the warning before the due date, the breach, or one escalation step after it. */
export type SlaNotice = { kind: "warning" } | { kind: "breach" } | { kind: "escalation"; step: number };

/**
 * The channel a marker is for: `comment` (on the PR or issue) and `event` (the notify job) are
 * claimed apart, so a failed comment is retried without queueing the notification twice.
 */
export type SlaChannel = "comment" | "event";

export function slaNoticeMarker(
  channel: SlaChannel,
  findingId: string,
  due: number,
  notice: SlaNotice,
): string {
  const what = notice.kind === "escalation" ? `escalation-${notice.step}` : notice.kind;
  return `sla:${channel}:${what}:${findingId}:${due}`;
}

/** Claims a notice; false when it was already claimed (given, or being given). */
export function claimSlaNotice(
  db: Db,
  channel: SlaChannel,
  notice: { findingId: string; due: number; notice: SlaNotice },
  now: number,
): Promise<boolean> {
  const id = slaNoticeMarker(channel, notice.findingId, notice.due, notice.notice);
  return firstDelivery(db, id, `sla-${notice.notice.kind}`, now);
}

/** Releases a claim whose comment failed, so the next sweep tries again. */
export async function releaseSlaNotice(
  db: Db,
  channel: SlaChannel,
  notice: { findingId: string; due: number; notice: SlaNotice },
): Promise<void> {
  const id = slaNoticeMarker(channel, notice.findingId, notice.due, notice.notice);
  await db.deleteFrom("deliveries").where("id", "=", id).execute();
}
