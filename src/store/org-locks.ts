// Remediation's locks, in this process and — on PostgreSQL — across every replica on the database:
//
//   - the organization's lock (`withOrgLock`) around the decisions made for the organization as a
//     whole: opening a new PR (the open-PR budget is per repository and team), tracking and
//     configuration issues. Two findings deciding at once would both fill the budget's last place;
//   - a group's lock (`withGroupLock`: organization + repository + the group's branch) around joining
//     and refreshing the group's PR. Two findings of one group acting at once would both open its PR,
//     or both move its branch, each to a commit without the other's fix. Different groups of one
//     organization act side by side; the one that finds no PR to join takes the organization's lock
//     inside its group's (always in that order, so the two never wait for each other in a circle).
//
// In this process: a queue per lock (callers wait their turn without taking a database connection).
// On PostgreSQL, the holder also takes a transaction-scoped advisory lock keyed by a hash of the
// lock's name, on a connection of its own kept open while `fn` runs:
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
  /** `what`: "organization acme", "group acme/infra fixloop/group/…". */
  constructor(what: string, waitMs: number) {
    super(`${what} stayed locked by another replica for ${Math.round(waitMs / 1000)} s; the job will retry`);
    this.name = "OrgLockTimeoutError";
  }
}

const DEFAULT_WAIT_MS = 5 * 60_000;
const DEFAULT_STALE_MS = 60_000;
/** The first key of fixloop's two-key advisory locks ("fxlp"), so no other user of advisory locks collides. */
const LOCK_SPACE = 0x66786c70;
/** The first key of the groups' locks ("fxlg"): a group's key never equals its organization's. */
const GROUP_LOCK_SPACE = 0x66786c67;
/** PostgreSQL's lock_not_available: lock_timeout ran out. */
const LOCK_NOT_AVAILABLE = "55P03";

interface Lock {
  /** The in-process queue's key and, hashed, the advisory lock's second key. */
  key: string;
  space: number;
  /** For the timeout's message. */
  what: string;
}

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
  return withLock(store, { key, space: LOCK_SPACE, what: `organization ${org}` }, fn, options);
}

/**
 * Runs `fn` while holding the lock of one group's PR: the organization's repository `repository`
 * (owner/name) and the group's `branch` (see the header).
 */
export function withGroupLock<T>(
  store: Store,
  group: { repository: string; branch: string },
  fn: () => Promise<T>,
  options: OrgLockOptions = {},
): Promise<T> {
  // Owner and repository names are case-insensitive on GitHub; branch names are not.
  const key = `group ${group.repository.toLowerCase()} ${group.branch}`;
  const what = `group ${group.repository} ${group.branch}`;
  return withLock(store, { key, space: GROUP_LOCK_SPACE, what }, fn, options);
}

function withLock<T>(store: Store, lock: Lock, fn: () => Promise<T>, options: OrgLockOptions): Promise<T> {
  const { key } = lock;
  let byKey = queues.get(store);
  if (!byKey) {
    byKey = new Map();
    queues.set(store, byKey);
  }
  const waiting = byKey;
  const held = () => (store.engine === "postgres" ? withAdvisoryLock(store, lock, fn, options) : fn());
  const run = (waiting.get(key) ?? Promise.resolve()).then(held, held);
  const tail = run.catch(() => {});
  waiting.set(key, tail);
  void tail.then(() => {
    if (waiting.get(key) === tail) waiting.delete(key);
  });
  return run;
}

/** The advisory lock's second key: 32 bits of SHA-256 of the organization (stable across processes). */
export function orgLockKey(org: string): number {
  return lockKey(org.toLowerCase());
}

const lockKey = (key: string) => createHash("sha256").update(key).digest().readInt32BE(0);

async function withAdvisoryLock<T>(
  store: Store,
  lock: Lock,
  fn: () => Promise<T>,
  options: OrgLockOptions,
): Promise<T> {
  const waitMs = Math.max(1, Math.round(options.waitMs ?? DEFAULT_WAIT_MS));
  const staleMs = Math.max(100, Math.round(options.staleMs ?? DEFAULT_STALE_MS));
  return store.db.transaction().execute(async (lockTx) => {
    // SET does not take bind parameters; both values are integers computed here.
    await sql.raw(`SET LOCAL lock_timeout = ${waitMs}`).execute(lockTx);
    try {
      await sql`select pg_advisory_xact_lock(${lock.space}::int4, ${lockKey(lock.key)}::int4)`.execute(
        lockTx,
      );
    } catch (error) {
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE)
        throw new OrgLockTimeoutError(lock.what, waitMs);
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
