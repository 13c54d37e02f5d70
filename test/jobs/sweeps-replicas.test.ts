// Sweeps run once per period across replicas, not once per replica: two replicas (two store
// handles, two workers) on one database both schedule the sweeps at start, claim at the same
// moments for four hours of a moved clock, and one of them restarts half-way (scheduling again);
// each sweep still runs exactly once per period of its kind. PostgreSQL only: replicas share a
// PostgreSQL database (a SQLite file belongs to one process).

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SweepKind } from "../../src/jobs/kinds.ts";
import { SWEEP_HANDLERS, SWEEPS, scheduleSweeps } from "../../src/jobs/sweeps.ts";
import { type JobHandler, Worker } from "../../src/jobs/worker.ts";
import type { Store } from "../../src/store/store.ts";
import { freshLocation, manualClock, PG_URL, type TestLocation } from "../store/engines.ts";

const MINUTE = 60_000;
const START = Date.parse("2026-11-01T09:00:00.000Z");

(PG_URL ? describe : describe.skip)("sweeps with two replicas on PostgreSQL", () => {
  let where: TestLocation;
  let replicas: Store[];
  const time = manualClock(START);

  beforeEach(async () => {
    time.set(START);
    where = await freshLocation("postgres");
    replicas = [await where.open(time.clock), await where.open(time.clock)];
  });
  afterEach(async () => {
    for (const store of replicas) await store.close();
    await where.dispose();
  });

  it("runs each sweep once per period, whichever replica claims it", async () => {
    const runs: Array<{ kind: string; at: number; replica: number }> = [];
    const recording = (replica: number) =>
      Object.fromEntries(
        Object.entries(SWEEP_HANDLERS).map(([kind, handler]): [string, JobHandler] => [
          kind,
          (payload, ctx) => {
            runs.push({ kind, at: time.clock(), replica });
            return handler(payload, ctx);
          },
        ]),
      );
    const workers = replicas.map(
      (store, i) => new Worker(store, recording(i), { id: `replica-${i}`, concurrency: 1 }),
    );
    for (const store of replicas) await scheduleSweeps(store);
    const hours = 4;
    for (let t = 0; t <= hours * 60; t += 5) {
      time.set(START + t * MINUTE);
      if (t === 120) await scheduleSweeps(replicas[1] as Store); // a replica restarts
      // Both claim at once, one job per claim, until nothing is due; who starts first alternates.
      const order = t % 10 === 0 ? workers : [...workers].reverse();
      while ((await Promise.all(order.map((w) => w.runDue()))).some((n) => n > 0)) {}
    }
    for (const [kind, sweep] of Object.entries(SWEEPS) as Array<[SweepKind, { every: number }]>) {
      const at = runs.filter((r) => r.kind === kind).map((r) => (r.at - START) / MINUTE);
      const every = sweep.every / MINUTE;
      expect(at, kind).toEqual(Array.from({ length: (hours * 60) / every + 1 }, (_, i) => i * every));
    }
    // Both replicas took part: the once-ness comes from the queue, not from one idle replica.
    expect(new Set(runs.map((r) => r.replica)).size).toBe(2);
  });
});
