// The durable job queue, in the same database as the findings so that a finding and the work it
// needs are committed together. No library covers both SQLite and PostgreSQL (graphile-worker and
// pg-boss are PostgreSQL-only), so this is a small queue of its own:
//   - claim: one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING, with FOR UPDATE SKIP LOCKED on
//     PostgreSQL (workers skip each other's rows) and the database write lock on SQLite;
//   - lease: a claimed job belongs to one claim token until its lease expires; the worker extends
//     it while the handler runs; a worker that dies simply stops extending it;
//   - retry: exponential backoff with jitter; after max_attempts the job is `dead`, with its error;
//   - unique keys: at most one queued or running job per key, so enqueueing is idempotent.

import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { chunks, insertRows } from "./chunks.ts";
import type { Engine } from "./connect.ts";
import type { JobRow } from "./schema.ts";
import type { Db } from "./store.ts";

export type JobState = "queued" | "running" | "done" | "dead";

export interface NewJob {
  kind: string;
  payload: unknown;
  /** Not before this time (epoch ms); default now. */
  runAt?: number;
  uniqueKey?: string;
  maxAttempts?: number;
  /** Among due jobs, higher runs first; default 0. */
  priority?: number;
}

export interface Job {
  id: number;
  kind: string;
  payload: unknown;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  runAt: number;
  /** Who holds it now: the claim token, unique per claim. */
  leaseToken: string | null;
  leaseExpiresAt: number | null;
  lastError: string | null;
  progress: unknown;
  uniqueKey: string | null;
  priority: number;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

export function jobFromRow(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    payload: JSON.parse(r.payload),
    state: r.state as JobState,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    leaseToken: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    lastError: r.last_error,
    progress: r.progress === null ? null : JSON.parse(r.progress),
    uniqueKey: r.unique_key,
    priority: r.priority,
  };
}

/** Enqueues jobs; one whose unique key is already queued or running is skipped. Returns how many were added. */
export async function enqueueJobs(tx: Db, jobs: readonly NewJob[], now: number): Promise<number> {
  return insertRows(
    tx,
    "jobs",
    jobs.map((j) => ({
      kind: j.kind,
      payload: JSON.stringify(j.payload ?? null),
      state: "queued",
      unique_key: j.uniqueKey ?? null,
      run_at: j.runAt ?? now,
      attempts: 0,
      max_attempts: j.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      priority: j.priority ?? 0,
      created_at: now,
      updated_at: now,
    })),
    "on conflict do nothing",
  );
}

/**
 * Moves queued jobs of a kind that wait for a later time to now (a PR closed: the budget has room;
 * CI finished; a re-scan arrived). With `uniqueKeys`, only those jobs. Returns how many moved.
 */
export async function wakeJobs(
  tx: Db,
  kind: string,
  now: number,
  uniqueKeys?: readonly string[],
): Promise<number> {
  const wake = async (keys?: readonly string[]) => {
    let q = tx
      .updateTable("jobs")
      .set({ run_at: now, updated_at: now })
      .where("kind", "=", kind)
      .where("state", "=", "queued")
      .where("run_at", ">", now);
    if (keys) q = q.where("unique_key", "in", keys);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  };
  if (!uniqueKeys) return wake();
  let moved = 0;
  for (const part of chunks(uniqueKeys)) moved += await wake(part);
  return moved;
}

export interface ClaimOptions {
  /** Identifies the worker in the claim token (for operators reading the jobs table). */
  workerId: string;
  kinds: readonly string[];
  limit: number;
  leaseMs: number;
  now: number;
}

/**
 * Claims up to `limit` runnable jobs of the given kinds: queued ones that are due, and running ones
 * whose lease expired (their worker died). Each claim counts as an attempt.
 */
export async function claimJobs(db: Db, engine: Engine, opts: ClaimOptions): Promise<Job[]> {
  if (opts.kinds.length === 0) return [];
  await buryExhausted(db, opts.now);
  const token = `${opts.workerId}/${randomBytes(6).toString("hex")}`;
  let runnable = db
    .selectFrom("jobs")
    .select("id")
    .where("kind", "in", opts.kinds)
    .where((eb) =>
      eb.or([
        eb.and([eb("state", "=", "queued"), eb("run_at", "<=", opts.now)]),
        eb.and([eb("state", "=", "running"), eb("lease_expires_at", "<", opts.now)]),
      ]),
    )
    .where("attempts", "<", sql<number>`max_attempts`)
    .orderBy("priority", "desc")
    .orderBy("run_at")
    .orderBy("id")
    .limit(opts.limit);
  if (engine === "postgres") runnable = runnable.forUpdate().skipLocked();
  const rows = await db
    .updateTable("jobs")
    .set({
      state: "running",
      lease_owner: token,
      lease_expires_at: opts.now + opts.leaseMs,
      attempts: sql<number>`attempts + 1`,
      updated_at: opts.now,
    })
    .where("id", "in", runnable)
    .returningAll()
    .execute();
  return rows.map(jobFromRow).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
}

/** Running jobs whose lease expired on their last attempt: the worker died every time. */
async function buryExhausted(db: Db, now: number): Promise<void> {
  await db
    .updateTable("jobs")
    .set({
      state: "dead",
      last_error: sql<string>`'lease expired: the worker stopped during attempt ' || attempts || ' of ' || max_attempts || coalesce('; before that: ' || last_error, '')`,
      lease_owner: null,
      lease_expires_at: null,
      finished_at: now,
      updated_at: now,
    })
    .where("state", "=", "running")
    .where("lease_expires_at", "<", now)
    .where("attempts", ">=", sql<number>`max_attempts`)
    .execute();
}

/** Extends the lease; false when it was lost (expired and claimed by someone else). */
export async function extendLease(db: Db, job: Job, leaseMs: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable("jobs")
    .set({ lease_expires_at: now + leaseMs, updated_at: now })
    .where("id", "=", job.id)
    .where("state", "=", "running")
    .where("lease_owner", "=", job.leaseToken)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Saves what the handler has done so far, so that a re-run can adopt it. False when the lease was lost. */
export async function saveProgress(db: Db, job: Job, progress: unknown, now: number): Promise<boolean> {
  const r = await db
    .updateTable("jobs")
    .set({ progress: JSON.stringify(progress), updated_at: now })
    .where("id", "=", job.id)
    .where("state", "=", "running")
    .where("lease_owner", "=", job.leaseToken)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Marks the job done; false when the lease was lost (another worker owns the job now). */
export async function completeJob(db: Db, job: Job, now: number): Promise<boolean> {
  const r = await db
    .updateTable("jobs")
    .set({ state: "done", lease_owner: null, lease_expires_at: null, finished_at: now, updated_at: now })
    .where("id", "=", job.id)
    .where("state", "=", "running")
    .where("lease_owner", "=", job.leaseToken)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
  /** 0..1, injectable for tests. */
  random: () => number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 5_000, maxMs: 60 * 60_000, random: Math.random };

/** Delay before attempt n+1 after n failed: base·2^(n-1), capped, then "equal jitter" (half fixed,
 *  half random) so that jobs failing together do not all retry in the same instant. */
export function retryDelay(attempts: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * backoff.random());
}

/** Records a failed attempt: queued again after a backoff, or `dead` after the last attempt. */
export async function failJob(
  db: Db,
  job: Job,
  error: unknown,
  now: number,
  backoff: Backoff = DEFAULT_BACKOFF,
): Promise<{ state: "queued" | "dead"; runAt: number | null; owned: boolean }> {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 4_000);
  const dead = job.attempts >= job.maxAttempts;
  const runAt = dead ? null : now + retryDelay(job.attempts, backoff);
  const r = await db
    .updateTable("jobs")
    .set({
      state: dead ? "dead" : "queued",
      last_error: `attempt ${job.attempts}/${job.maxAttempts}: ${message}`,
      lease_owner: null,
      lease_expires_at: null,
      ...(runAt === null ? { finished_at: now } : { run_at: runAt }),
      updated_at: now,
    })
    .where("id", "=", job.id)
    .where("state", "=", "running")
    .where("lease_owner", "=", job.leaseToken)
    .executeTakeFirst();
  return { state: dead ? "dead" : "queued", runAt, owned: Number(r.numUpdatedRows) === 1 };
}

export async function getJob(db: Db, id: number): Promise<Job | undefined> {
  const row = await db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
  return row && jobFromRow(row);
}

export async function listJobs(db: Db, filter: { state?: JobState; kind?: string } = {}): Promise<Job[]> {
  let q = db.selectFrom("jobs").selectAll();
  if (filter.state) q = q.where("state", "=", filter.state);
  if (filter.kind) q = q.where("kind", "=", filter.kind);
  return (await q.orderBy("id").execute()).map(jobFromRow);
}

/** Queues the next run of a completed job at `runAt`: same kind, payload, key and priority, and
 *  whatever the run saved (a branch, an opened PR), so a job that waits resumes instead of
 *  repeating its work. */
export async function rescheduleJob(tx: Db, job: Job, runAt: number, now: number): Promise<void> {
  const saved = await tx.selectFrom("jobs").select("progress").where("id", "=", job.id).executeTakeFirst();
  await tx
    .insertInto("jobs")
    .values({
      kind: job.kind,
      payload: JSON.stringify(job.payload),
      state: "queued",
      unique_key: job.uniqueKey,
      run_at: runAt,
      attempts: 0,
      max_attempts: job.maxAttempts,
      priority: job.priority,
      progress: saved?.progress ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}
