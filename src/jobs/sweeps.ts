// Scheduled sweeps: the periodic checks that make sure nothing waits forever, whatever events
// were missed. Each is a recurring job (unique key, rescheduled when it completes), so however
// many replicas run, one sweep of each kind is queued at a time.

import { expireExceptions } from "../lifecycle/exceptions.ts";
import { findingIdsIn, markVerificationsOverdue } from "../store/findings.ts";
import { enqueueJobs } from "../store/jobs.ts";
import { recordSlaBreaches } from "../store/sla-breaches.ts";
import type { Store } from "../store/store.ts";
import { notifyJob, type SweepKind, sweepJob, verifyJob } from "./kinds.ts";
import type { JobHandler } from "./worker.ts";

/** Marks findings whose SLA due date has passed (once each, only while their SLA clock runs),
 *  records each breach with its time and queues its `sla-breached` notification, in one
 *  transaction; the GitHub layer (src/sla/notices.ts) labels and comments. */
export function sweepSlaBreaches(store: Store): Promise<number> {
  return store.transaction(async (tx) => {
    const now = store.now();
    const breaches = await recordSlaBreaches(tx, now);
    const notices = breaches.map((b) =>
      notifyJob({
        event: "sla-breached",
        findingId: b.findingId,
        at: b.breachedAt,
        summary: `SLA breached: a ${b.riskTier}-tier finding was due ${b.due.slice(0, 16).replace("T", " ")} UTC and is still ${b.state.replace(/_/g, " ")}.`,
      }),
    );
    await enqueueJobs(tx, notices, now);
    return breaches.length;
  });
}

/** Marks merged fixes whose verification did not conclude within the configured window. */
export function sweepVerificationTimeouts(store: Store): Promise<number> {
  return markVerificationsOverdue(store.db, store.now());
}

/**
 * Catches missed webhooks: every merged or verifying finding gets its verification job queued (a
 * no-op when one is already queued or running), so no finding waits forever on an event that
 * never came.
 */
export async function sweepPendingVerifications(store: Store): Promise<number> {
  const ids = await findingIdsIn(store.db, "verifying");
  return enqueueJobs(
    store.db,
    ids.map((id) => verifyJob(id)),
    store.now(),
  );
}

/** Expired exceptions: their findings go back into the loop (src/lifecycle/exceptions.ts). */
export function sweepExpiredExceptions(store: Store): Promise<number> {
  return expireExceptions(store);
}

interface Sweep {
  every: number;
  run: (store: Store) => Promise<number>;
}

const MINUTE = 60_000;

/** The recurring jobs, by kind. */
export const SWEEPS: Readonly<Record<SweepKind, Sweep>> = {
  "sweep:sla": { every: 15 * MINUTE, run: sweepSlaBreaches },
  "sweep:verification-timeout": { every: 15 * MINUTE, run: sweepVerificationTimeouts },
  "sweep:exception-expiry": { every: 60 * MINUTE, run: sweepExpiredExceptions },
  "sweep:pending-verifications": { every: 60 * MINUTE, run: sweepPendingVerifications },
};

export const SWEEP_HANDLERS = Object.fromEntries(
  Object.entries(SWEEPS).map(([kind, sweep]) => [
    kind,
    async (_payload, ctx) => {
      await sweep.run(ctx.store);
      // The WAL checkpoint SQLite no longer runs inside a commit (src/store/connect.ts).
      await ctx.store.checkpoint();
      return { rescheduleAt: ctx.store.now() + sweep.every };
    },
  ]),
) as Readonly<Record<SweepKind, JobHandler>>;

/** Queues each sweep unless one is already queued or running (safe to call from every replica at start). */
export async function scheduleSweeps(store: Store): Promise<number> {
  const now = store.now();
  return enqueueJobs(
    store.db,
    (Object.keys(SWEEPS) as SweepKind[]).map((kind) => sweepJob(kind, now)),
    now,
  );
}
