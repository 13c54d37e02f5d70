// Migration 0013 on both engines: sessions found by their id's hash until they expire, share links
// revoked once, and the share-link trail append-only in the database.

import { afterEach, beforeEach, expect, it } from "vitest";
import {
  deleteExpiredSessions,
  deleteSession,
  findSession,
  insertSession,
} from "../../src/store/sessions.ts";
import {
  createShareLink,
  recordShareLinkEvent,
  revokeShareLink,
  type ShareLink,
  shareLinkByTokenHash,
  shareLinkEventsOf,
  shareLinksOf,
} from "../../src/store/share-links.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "./engines.ts";

const T = Date.parse("2026-11-20T10:00:00.000Z");
const HOUR = 60 * 60_000;

describeEachEngine("sessions and share links (migration 0013)", (engine) => {
  let location: TestLocation;
  let store: Store;
  beforeEach(async () => {
    location = await freshLocation(engine);
    store = await location.open(manualClock(T).clock);
  });
  afterEach(async () => {
    await store.close();
    await location.dispose();
  });

  it("finds a session by its id's hash until it expires, and forgets it when deleted", async () => {
    const session = {
      idHash: "a".repeat(64),
      login: "mona",
      userId: 5_000_000_000,
      token: "v1.x.y.z",
      csrf: "c".repeat(43),
      createdAt: T,
      expiresAt: T + 8 * HOUR,
    };
    await insertSession(store.db, session);
    expect(await findSession(store.db, session.idHash, T + HOUR)).toEqual(session);
    expect(await findSession(store.db, session.idHash, T + 8 * HOUR)).toBeNull();
    await deleteExpiredSessions(store.db, T + HOUR);
    expect(await findSession(store.db, session.idHash, T + HOUR)).not.toBeNull();
    await deleteSession(store.db, session.idHash);
    expect(await findSession(store.db, session.idHash, T + HOUR)).toBeNull();
  });

  it("stores a link by its token's hash, revokes it once, and keeps the trail append-only", async () => {
    const link: ShareLink = {
      id: "0123456789ab",
      org: "acme",
      kind: "auditor-pack",
      findingId: null,
      since: "2026-10-01",
      until: "2026-10-31",
      createdBy: "sam",
      createdAt: T,
      expiresAt: T + 24 * HOUR,
      revokedAt: null,
      revokedBy: null,
    };
    await store.transaction((tx) => createShareLink(tx, link, "h".repeat(64)));
    expect(await shareLinkByTokenHash(store.db, "h".repeat(64))).toEqual(link);
    expect(await shareLinkByTokenHash(store.db, "x".repeat(64))).toBeNull();
    await recordShareLinkEvent(store.db, "acme", {
      linkId: link.id,
      action: "used",
      actor: "share:0123456789ab",
      at: T + HOUR,
    });
    expect(
      await store.transaction((tx) =>
        revokeShareLink(tx, "acme", link.id, { actor: "sam", at: T + 2 * HOUR }),
      ),
    ).toBe(true);
    expect(
      await store.transaction((tx) =>
        revokeShareLink(tx, "acme", link.id, { actor: "sam", at: T + 3 * HOUR }),
      ),
    ).toBe(false);
    expect(
      await store.transaction((tx) => revokeShareLink(tx, "globex", link.id, { actor: "x", at: T })),
    ).toBe(false);
    expect((await shareLinksOf(store.db, "acme"))[0]).toMatchObject({
      revokedAt: T + 2 * HOUR,
      revokedBy: "sam",
    });
    expect(await shareLinkEventsOf(store.db, "acme", 10)).toEqual([
      { linkId: link.id, action: "revoked", actor: "sam", at: T + 2 * HOUR },
      { linkId: link.id, action: "used", actor: "share:0123456789ab", at: T + HOUR },
      { linkId: link.id, action: "created", actor: "sam", at: T },
    ]);
    await expect(store.db.updateTable("share_link_events").set({ actor: "eve" }).execute()).rejects.toThrow(
      /share_link_events is append-only/,
    );
    await expect(store.db.deleteFrom("share_link_events").execute()).rejects.toThrow(
      /share_link_events is append-only/,
    );
  });
});
