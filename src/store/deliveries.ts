// Idempotency for webhooks: a delivery id (X-GitHub-Delivery) is handled once, even when GitHub
// redelivers it or two replicas receive it.

import type { Db } from "./store.ts";

/** Records the delivery; true the first time, false when it was already seen. */
export async function firstDelivery(tx: Db, id: string, event: string, now: number): Promise<boolean> {
  const r = await tx
    .insertInto("deliveries")
    .values({ id, event, received_at: now })
    .onConflict((oc) => oc.column("id").doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Whether the delivery was recorded (a comment command's effect commits its delivery with it). */
export async function deliverySeen(db: Db, id: string): Promise<boolean> {
  const r = await db.selectFrom("deliveries").select("id").where("id", "=", id).executeTakeFirst();
  return r !== undefined;
}
