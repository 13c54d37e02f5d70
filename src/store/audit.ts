// The audit trail. Only two operations exist on purpose: append and read. The table is also
// append-only in the database (triggers refuse UPDATE and DELETE), so history cannot be rewritten
// by a code path added later or by hand.

import type { Actor, AuditEvent, FindingState, Links } from "../lifecycle/machine.ts";
import { insertChunked } from "./chunks.ts";
import type { AuditEventRow } from "./schema.ts";
import type { Db } from "./store.ts";

export interface StoredAuditEvent extends AuditEvent {
  id: number;
}

export async function appendAuditEvents(tx: Db, events: readonly AuditEvent[]): Promise<void> {
  await insertChunked(
    events.map((e) => ({
      finding_id: e.findingId,
      from_state: e.from,
      to_state: e.to,
      at: Date.parse(e.at),
      actor_kind: e.actor.kind,
      actor: JSON.stringify(e.actor),
      reason: e.reason,
      links: JSON.stringify(e.links),
    })),
    (rows) => tx.insertInto("audit_events").values(rows).execute(),
  );
}

function fromRow(r: AuditEventRow): StoredAuditEvent {
  return {
    id: r.id,
    findingId: r.finding_id,
    from: r.from_state as FindingState | null,
    to: r.to_state as FindingState,
    at: new Date(r.at).toISOString(),
    actor: JSON.parse(r.actor) as Actor,
    reason: r.reason,
    links: JSON.parse(r.links) as Links,
  };
}

/** A finding's events, oldest first. */
export async function auditTrail(db: Db, findingId: string): Promise<StoredAuditEvent[]> {
  const rows = await db
    .selectFrom("audit_events")
    .selectAll()
    .where("finding_id", "=", findingId)
    .orderBy("id")
    .execute();
  return rows.map(fromRow);
}
