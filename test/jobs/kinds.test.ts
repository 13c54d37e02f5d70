// The job kinds' table: payloads checked when queued and when claimed (a bad one buries the job
// with the reason instead of failing eight times), and the check that every kind has a handler.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  assertEveryKindHandled,
  checkedPayload,
  InvalidJobPayloadError,
  JOB_KINDS,
  jobHandler,
  newJob,
  remediateJob,
  sweepJob,
} from "../../src/jobs/kinds.ts";
import { Worker } from "../../src/jobs/worker.ts";
import { enqueueJobs, listJobs } from "../../src/store/jobs.ts";
import type { Store } from "../../src/store/store.ts";
import { freshLocation, manualClock } from "../store/engines.ts";

describe("payloads checked when queued", () => {
  it("builds the jobs the app queues", () => {
    expect(remediateJob("f1", 68)).toEqual({
      kind: "remediate",
      payload: { findingId: "f1" },
      uniqueKey: "remediate:f1",
      priority: 68,
    });
    expect(sweepJob("sweep:sla", 5)).toEqual({
      kind: "sweep:sla",
      payload: null,
      uniqueKey: "sweep:sla",
      runAt: 5,
    });
  });

  it.each([
    [
      "an empty finding id",
      "remediate",
      { findingId: "" },
      "invalid payload for job kind remediate: findingId: ",
    ],
    ["a missing finding id", "verify", {}, "invalid payload for job kind verify: findingId: "],
    [
      "an extra key",
      "recheck",
      { findingId: "f1", force: true },
      'invalid payload for job kind recheck: payload: Unrecognized key: "force"',
    ],
    [
      "a payload on a sweep",
      "sweep:sla",
      { findingId: "f1" },
      "invalid payload for job kind sweep:sla: payload: ",
    ],
    [
      "a kind not in the table",
      "remediat",
      { findingId: "f1" },
      "invalid payload for job kind remediat: no such job kind",
    ],
  ])("%s is refused, naming the kind and the field", (_what, kind, payload, message) => {
    expect(() => checkedPayload(kind, payload)).toThrow(InvalidJobPayloadError);
    expect(() => checkedPayload(kind, payload)).toThrow(message);
  });

  it("newJob refuses before anything is written", () => {
    expect(() => newJob("remediate", { findingId: 7 as unknown as string })).toThrow(
      "invalid payload for job kind remediate: findingId: Invalid input: expected string, received number",
    );
  });
});

describe("payloads checked when claimed", () => {
  let store: Store;
  const time = manualClock();
  beforeEach(async () => {
    store = await (await freshLocation("sqlite")).open(time.clock);
  });
  afterEach(async () => {
    await store.close();
  });

  it("a job queued with a bad payload (an older version, a hand edit) goes dead at once, with the reason", async () => {
    await enqueueJobs(store.db, [{ kind: "remediate", payload: { finding: "f1" } }], store.now());
    let ran = 0;
    const worker = new Worker(store, {
      remediate: jobHandler("remediate", async () => {
        ran++;
        return undefined;
      }),
    });
    expect(await worker.runDue()).toBe(1);
    expect(ran).toBe(0);
    const [job] = await listJobs(store.db);
    expect(job?.state).toBe("dead");
    expect(job?.lastError).toBe(
      'attempt 1/1: invalid payload for job kind remediate: findingId: Invalid input: expected string, received undefined; payload: Unrecognized key: "finding"',
    );
    // Nothing left to claim: it is not retried.
    time.advance(3_600_000);
    expect(await worker.runDue()).toBe(0);
  });

  it("a good payload reaches the handler, typed", async () => {
    await enqueueJobs(store.db, [remediateJob("f1", 10)], store.now());
    const seen: string[] = [];
    const worker = new Worker(store, {
      remediate: jobHandler("remediate", async (payload) => {
        seen.push(payload.findingId);
        return undefined;
      }),
    });
    await worker.runDue();
    expect(seen).toEqual(["f1"]);
  });
});

describe("assertEveryKindHandled", () => {
  const all = Object.fromEntries(Object.keys(JOB_KINDS).map((k) => [k, () => undefined]));

  it("passes when every kind has a handler", () => {
    expect(() => assertEveryKindHandled(all)).not.toThrow();
  });

  it("names the kinds without a handler and the handlers without a kind", () => {
    const { regression: _r, "sweep:sla": _s, ...some } = all;
    expect(() => assertEveryKindHandled({ ...some, "re-index": () => undefined })).toThrow(
      "job kinds without a handler: regression, sweep:sla; handlers for kinds not in src/jobs/kinds.ts: re-index",
    );
  });
});
