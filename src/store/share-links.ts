// Share links (src/web/share.ts): one finding's evidence or one period's auditor pack of one
// organization, for someone without a GitHub account there. Only the sha256 of a link's token is
// stored. Each creation, use and revocation is a row of share_link_events, append-only in the
// database (migration 0013) like the audit trail.

import type { Db } from "./store.ts";

export type ShareKind = "finding" | "auditor-pack";

export interface ShareLink {
  id: string;
  org: string;
  kind: ShareKind;
  findingId: string | null;
  since: string | null;
  until: string | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokedBy: string | null;
}

export interface ShareLinkEvent {
  linkId: string;
  action: "created" | "used" | "revoked";
  actor: string;
  at: number;
}

type Row = {
  id: string;
  org: string;
  kind: string;
  finding_id: string | null;
  since: string | null;
  until: string | null;
  created_by: string;
  created_at: number | string;
  expires_at: number | string;
  revoked_at: number | string | null;
  revoked_by: string | null;
};

function fromRow(r: Row): ShareLink {
  return {
    id: r.id,
    org: r.org,
    kind: r.kind as ShareKind,
    findingId: r.finding_id,
    since: r.since,
    until: r.until,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    revokedBy: r.revoked_by,
  };
}

/** Stores a new link and its "created" event, in one transaction. */
export async function createShareLink(tx: Db, link: ShareLink, tokenHash: string): Promise<void> {
  await tx
    .insertInto("share_links")
    .values({
      id: link.id,
      token_hash: tokenHash,
      org: link.org,
      kind: link.kind,
      finding_id: link.findingId,
      since: link.since,
      until: link.until,
      created_by: link.createdBy,
      created_at: link.createdAt,
      expires_at: link.expiresAt,
      revoked_at: null,
      revoked_by: null,
    })
    .execute();
  await recordShareLinkEvent(tx, link.org, {
    linkId: link.id,
    action: "created",
    actor: link.createdBy,
    at: link.createdAt,
  });
}

/** The link with this token hash, whatever its state (the caller tells expired from revoked). */
export async function shareLinkByTokenHash(db: Db, tokenHash: string): Promise<ShareLink | null> {
  const r = await db
    .selectFrom("share_links")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return r ? fromRow(r) : null;
}

/** An organization's links, newest first. */
export async function shareLinksOf(db: Db, org: string): Promise<ShareLink[]> {
  const rows = await db
    .selectFrom("share_links")
    .selectAll()
    .where("org", "=", org)
    .orderBy("created_at", "desc")
    .orderBy("id")
    .execute();
  return rows.map(fromRow);
}

/** Revokes a live link of `org` and records it; false when there is no such link or it was revoked. */
export async function revokeShareLink(
  tx: Db,
  org: string,
  id: string,
  by: { actor: string; at: number },
): Promise<boolean> {
  const r = await tx
    .updateTable("share_links")
    .set({ revoked_at: by.at, revoked_by: by.actor })
    .where("org", "=", org)
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return false;
  await recordShareLinkEvent(tx, org, { linkId: id, action: "revoked", actor: by.actor, at: by.at });
  return true;
}

export async function recordShareLinkEvent(db: Db, org: string, e: ShareLinkEvent): Promise<void> {
  await db
    .insertInto("share_link_events")
    .values({ link_id: e.linkId, org, action: e.action, actor: e.actor, at: e.at })
    .execute();
}

/** An organization's share-link trail, newest first, at most `limit` rows. */
export async function shareLinkEventsOf(db: Db, org: string, limit: number): Promise<ShareLinkEvent[]> {
  const rows = await db
    .selectFrom("share_link_events")
    .select(["link_id", "action", "actor", "at"])
    .where("org", "=", org)
    .orderBy("at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    linkId: r.link_id,
    action: r.action as ShareLinkEvent["action"],
    actor: r.actor,
    at: Number(r.at),
  }));
}
