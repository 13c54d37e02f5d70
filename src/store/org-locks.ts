// One organization's remediations act one at a time — in this process and, on PostgreSQL, across
// every replica on the database. Two findings of one group decided at once would both open the
// group's PR (or both fill the last place of a repository's PR budget), so the decision that reads
// the store's open PRs and the GitHub calls that follow it run inside `withOrgLock`.
//
// In this process: a queue per organization (callers wait their turn without taking a database
// connection). On PostgreSQL, the holder also takes a transaction-scoped advisory lock keyed by a
// hash of the organization, on a connection of its own kept open while `fn` runs:
//   - a holder that dies (SIGKILL, a lost network) loses its connection, and the server ends the
//     transaction and its lock at once;
//   - a holder that is alive but frozen (stopped, partitioned) stops its heartbeat, and the server
//     ends its idle transaction after `staleMs` (idle_in_transaction_session_timeout);
//   - a waiter gives up after `waitMs` (lock_timeout) with an OrgLockTimeoutError, so a stuck holder
//     turns into a retried job, not a worker slot held forever.
// SQLite is one file under one process: the in-process queue is the whole lock.

import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Store } from "./store.ts";

export interface OrgLockOptions {
  /** How long a waiter waits for another replica's holder before giving up (default 5 min). */
  waitMs?: number;
  /** How long a holder may go without a heartbeat before the server frees its lock (default 60 s). */
  staleMs?: number;
}

export class OrgLockTimeoutError extends Error {
  readonly code = "ORG_LOCK_TIMEOUT";
  constructor(org: string, waitMs: number) {
    super(
      `organization ${org} stayed locked by another replica for ${Math.round(waitMs / 1000)} s; the job will retry`,
    );
    this.name = "OrgLockTimeoutError";
  }
}

const DEFAULT_WAIT_MS = 5 * 60_000;
const DEFAULT_STALE_MS = 60_000;
/** The first key of fixloop's two-key advisory locks ("fxlp"), so no other user of advisory locks collides. */
const LOCK_SPACE = 0x66786c70;
/** PostgreSQL's lock_not_available: lock_timeout ran out. */
const LOCK_NOT_AVAILABLE = "55P03";

const queues = new WeakMap<Store, Map<string, Promise<unknown>>>();

/** Runs `fn` while holding the organization's lock (see the header); returns what `fn` returns. */
export function withOrgLock<T>(
  store: Store,
  org: string,
  fn: () => Promise<T>,
  options: OrgLockOptions = {},
): Promise<T> {
  // GitHub logins are case-insensitive: "Acme" and "acme" are one organization.
  const key = org.toLowerCase();
  let byOrg = queues.get(store);
  if (!byOrg) {
    byOrg = new Map();
    queues.set(store, byOrg);
  }
  const orgQueues = byOrg;
  const held = () => (store.engine === "postgres" ? withAdvisoryLock(store, key, fn, options) : fn());
  const run = (orgQueues.get(key) ?? Promise.resolve()).then(held, held);
  const tail = run.catch(() => {});
  orgQueues.set(key, tail);
  void tail.then(() => {
    if (orgQueues.get(key) === tail) orgQueues.delete(key);
  });
  return run;
}

/** The advisory lock's second key: 32 bits of SHA-256 of the organization (stable across processes). */
export function orgLockKey(org: string): number {
  return createHash("sha256").update(org.toLowerCase()).digest().readInt32BE(0);
}

async function withAdvisoryLock<T>(
  store: Store,
  org: string,
  fn: () => Promise<T>,
  options: OrgLockOptions,
): Promise<T> {
  const waitMs = Math.max(1, Math.round(options.waitMs ?? DEFAULT_WAIT_MS));
  const staleMs = Math.max(100, Math.round(options.staleMs ?? DEFAULT_STALE_MS));
  return store.db.transaction().execute(async (lockTx) => {
    // SET does not take bind parameters; both values are integers computed here.
    await sql.raw(`SET LOCAL lock_timeout = ${waitMs}`).execute(lockTx);
    try {
      await sql`select pg_advisory_xact_lock(${LOCK_SPACE}::int4, ${orgLockKey(org)}::int4)`.execute(lockTx);
    } catch (error) {
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE)
        throw new OrgLockTimeoutError(org, waitMs);
      throw error;
    }
    await sql.raw(`SET LOCAL idle_in_transaction_session_timeout = ${staleMs}`).execute(lockTx);
    // fn works on other connections; this one only proves the holder is alive.
    const beat = setInterval(
      () => void sql`select 1`.execute(lockTx).catch(() => {}),
      Math.max(30, Math.floor(staleMs / 3)),
    );
    try {
      return await fn();
    } finally {
      clearInterval(beat);
    }
  });
}
