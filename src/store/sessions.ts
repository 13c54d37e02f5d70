// Browser sessions of the dashboard (src/web/auth.ts). A row is found by the sha256 of the session
// id the cookie carries, so a dump of the table opens no session; the user's GitHub token is kept
// encrypted (src/web/secrets.ts), never in clear.

import type { Db } from "./store.ts";

export interface WebSession {
  /** sha256 (hex) of the session id. */
  idHash: string;
  login: string;
  userId: number;
  /** The user's token, encrypted. */
  token: string;
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

export async function insertSession(db: Db, s: WebSession): Promise<void> {
  await db
    .insertInto("web_sessions")
    .values({
      id_hash: s.idHash,
      login: s.login,
      user_id: s.userId,
      token: s.token,
      csrf: s.csrf,
      created_at: s.createdAt,
      expires_at: s.expiresAt,
    })
    .execute();
}

/** The session, when it exists and has not expired at `now`. */
export async function findSession(db: Db, idHash: string, now: number): Promise<WebSession | null> {
  const r = await db
    .selectFrom("web_sessions")
    .selectAll()
    .where("id_hash", "=", idHash)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  if (!r) return null;
  return {
    idHash: r.id_hash,
    login: r.login,
    userId: Number(r.user_id),
    token: r.token,
    csrf: r.csrf,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom("web_sessions").where("id_hash", "=", idHash).execute();
}

/** Drops the sessions that expired before `now` (run at each sign-in: the table stays small). */
export async function deleteExpiredSessions(db: Db, now: number): Promise<void> {
  await db.deleteFrom("web_sessions").where("expires_at", "<=", now).execute();
}
