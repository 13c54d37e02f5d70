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

/** The event of an accepted signed API request's row (its id: `api:<scheme>:<signature hex>`). */
const API_SIGNATURE = "api-signature";
/** Rows older than this are dropped: their timestamps left the signature window (300 s) long ago. */
const SIGNATURE_MEMORY_MS = 15 * 60_000;
/** When each database's old signature rows are next dropped. */
const nextPrune = new WeakMap<Db, number>();

/**
 * Records an accepted API signature; false when it was already recorded — by this replica or any
 * other on the database (the per-process table in src/http/replay.ts cannot see those). Old rows
 * are dropped at most once a minute per store handle.
 */
export async function firstSignatureUse(db: Db, signature: string, now: number): Promise<boolean> {
  if (now >= (nextPrune.get(db) ?? 0)) {
    nextPrune.set(db, now + 60_000);
    await db
      .deleteFrom("deliveries")
      .where("event", "=", API_SIGNATURE)
      .where("received_at", "<", now - SIGNATURE_MEMORY_MS)
      .execute();
  }
  return firstDelivery(db, `api:${signature}`, API_SIGNATURE, now);
}
