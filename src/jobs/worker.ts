// A worker: claims due jobs of the kinds it has handlers for, runs each under a lease it keeps
// extending, and records the outcome. Several workers (threads, processes, app replicas) can run
// against one database; the claim makes sure a job is held by one of them at a time.

import { hostname } from "node:os";
import {
  type Backoff,
  claimJobs,
  completeJob,
  DEFAULT_BACKOFF,
  extendLease,
  failJob,
  type Job,
  rescheduleJob,
  saveProgress,
} from "../store/jobs.ts";
import type { Store } from "../store/store.ts";

export interface JobContext {
  job: Job;
  store: Store;
  /** What an earlier attempt saved (null on the first run): adopt it instead of repeating work. */
  progress: unknown;
  /** Saves progress durably; throws when the lease was lost, so the handler stops. */
  saveProgress(progress: unknown): Promise<void>;
  /** Aborted when the lease is lost or the worker stops. */
  signal: AbortSignal;
}

export interface JobOutcome {
  /** Run the same job again at this time (recurring sweeps). */
  rescheduleAt?: number;
}

export type JobHandler = (payload: unknown, ctx: JobContext) => Promise<JobOutcome | undefined>;

export interface WorkerOptions {
  id?: string;
  /** How long a claim holds before another worker may take the job over. */
  leaseMs?: number;
  /** Idle wait between claims when nothing is due. */
  pollMs?: number;
  /** Jobs run at the same time by this worker. */
  concurrency?: number;
  backoff?: Backoff;
  /** Called for errors of the loop itself (database down); never with a secret. */
  onError?: (error: unknown) => void;
  /** Called as a run of a job starts and when it has ended, whatever the outcome (operators' and
   *  tests' view of what ran where and when: test/replicas records them across processes). */
  onRun?: (phase: "start" | "end", job: Job) => void;
}

export class LeaseLostError extends Error {
  readonly code = "LEASE_LOST";
  constructor(job: Job) {
    super(`job ${job.id} (${job.kind}) was taken over by another worker after its lease expired`);
    this.name = "LeaseLostError";
  }
}

export class Worker {
  readonly id: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly backoff: Backoff;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly handlers: Readonly<Record<string, JobHandler>>,
    private readonly options: WorkerOptions = {},
  ) {
    this.id = options.id ?? `${hostname()}:${process.pid}`;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 1_000;
    this.concurrency = options.concurrency ?? 1;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /** Claims and runs what is due now, once; returns how many jobs ran. */
  async runDue(): Promise<number> {
    const jobs = await claimJobs(this.store.db, this.store.engine, {
      workerId: this.id,
      kinds: Object.keys(this.handlers),
      limit: this.concurrency,
      leaseMs: this.leaseMs,
      now: this.store.now(),
    });
    await Promise.all(jobs.map((job) => this.run(job)));
    return jobs.length;
  }

  /** Runs until stop(): claims, runs, and sleeps only when nothing was due. */
  start(): void {
    this.loop ??= (async () => {
      while (!this.stopping.signal.aborted) {
        let ran = 0;
        try {
          ran = await this.runDue();
        } catch (e) {
          this.options.onError?.(e);
        }
        if (ran === 0) await sleep(this.pollMs, this.stopping.signal);
      }
    })();
  }

  /** Stops claiming and waits for the jobs in flight. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async run(job: Job): Promise<void> {
    const handler = this.handlers[job.kind];
    const lost = new AbortController();
    const signal = AbortSignal.any([lost.signal, this.stopping.signal]);
    const { store } = this;
    this.options.onRun?.("start", job);
    // Extend the lease at a third of its length, so two missed beats still leave it held.
    const beat = setInterval(
      () => {
        extendLease(store.db, job, this.leaseMs, store.now()).then(
          (held) => held || lost.abort(new LeaseLostError(job)),
          (e) => this.options.onError?.(e),
        );
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      const outcome = await handler(job.payload, {
        job,
        store,
        progress: job.progress,
        signal,
        async saveProgress(progress) {
          if (!(await saveProgress(store.db, job, progress, store.now()))) throw new LeaseLostError(job);
        },
      });
      await this.finish(job, outcome);
    } catch (e) {
      // A permanent error (a payload its kind refuses) buries the job now: no attempt can succeed.
      const last =
        (e as { permanent?: unknown }).permanent === true ? { ...job, maxAttempts: job.attempts } : job;
      if (!lost.signal.aborted) await failJob(store.db, last, e, store.now(), this.backoff);
    } finally {
      clearInterval(beat);
      this.options.onRun?.("end", job);
    }
  }

  private async finish(job: Job, outcome: JobOutcome | undefined): Promise<void> {
    const { store } = this;
    await store.transaction(async (tx) => {
      const now = store.now();
      if (!(await completeJob(tx, job, now))) return; // lost the lease: the new owner finishes it
      // The next run carries the priority and whatever this run saved (a branch, an opened PR),
      // so a job that waits for a rate limit resumes instead of repeating its work.
      if (outcome?.rescheduleAt !== undefined) await rescheduleJob(tx, job, outcome.rescheduleAt, now);
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
