// "The approver and the owners were told this exception is ending": one marker per exception, so
// a redelivered sweep (or two replicas) never tells twice, released when the comment fails so the
// next sweep tries again. The markers share the `deliveries` table, as overdue notices do.

import { firstDelivery } from "./deliveries.ts";
import type { Db } from "./store.ts";

const marker = (exceptionId: number) => `exception-expiring:${exceptionId}`;

/** Claims the notice of one exception; false when it was already claimed (told, or telling). */
export function claimExpiryNotice(db: Db, exceptionId: number, now: number): Promise<boolean> {
  return firstDelivery(db, marker(exceptionId), "exception-expiring", now);
}

export async function releaseExpiryNotice(db: Db, exceptionId: number): Promise<void> {
  await db.deleteFrom("deliveries").where("id", "=", marker(exceptionId)).execute();
}
