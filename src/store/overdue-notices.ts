// "The owners were told this verification is overdue": one marker per finding and overdue window,
// so two replicas never both post and a failed post is retried. The markers share the `deliveries`
// table with webhook deliveries (an idempotency key is an idempotency key; no migration), under
// their own `overdue:` prefix and event name; this module is their one door.

import { firstDelivery } from "./deliveries.ts";
import type { Db } from "./store.ts";

export const overdueMarker = (findingId: string, overdueAt: number) => `overdue:${findingId}:${overdueAt}`;

/** Claims the notice of one overdue window; false when it was already claimed (told, or telling). */
export function claimOverdueNotice(
  db: Db,
  findingId: string,
  overdueAt: number,
  now: number,
): Promise<boolean> {
  return firstDelivery(db, overdueMarker(findingId, overdueAt), "verification-overdue", now);
}

/** Releases a claim whose post failed, so the next sweep tries again. */
export async function releaseOverdueNotice(db: Db, findingId: string, overdueAt: number): Promise<void> {
  await db.deleteFrom("deliveries").where("id", "=", overdueMarker(findingId, overdueAt)).execute();
}
