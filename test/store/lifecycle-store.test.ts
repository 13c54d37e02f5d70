import { afterEach, beforeEach, expect, it } from "vitest";
import { persistFindings } from "../../src/ingest/persist.ts";
import { REMEDIATE_JOB } from "../../src/jobs/kinds.ts";
import { sweepExpiredExceptions, sweepSlaBreaches } from "../../src/jobs/sweeps.ts";
import { ConcurrentChangeError, changeState, changeStateIn } from "../../src/lifecycle/change-state.ts";
import { grantException, InvalidExceptionError } from "../../src/lifecycle/exceptions.ts";
import { IllegalTransitionError } from "../../src/lifecycle/machine.ts";
import { auditTrail } from "../../src/store/audit.ts";
import { firstDelivery } from "../../src/store/deliveries.ts";
import {
  FindingNotFoundError,
  findingSources,
  getFinding,
  listFindings,
  resolveFindingId,
} from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
import type { Store } from "../../src/store/store.ts";
import { verificationsOf } from "../../src/store/verifications.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "./engines.ts";
import { asffS38, readFixture, triage } from "./helpers.ts";

const trail = async (store: Store, id: string) =>
  (await auditTrail(store.db, id)).map((e) => `${e.from ?? "∅"} → ${e.to} by ${e.actor.kind}: ${e.reason}`);

describeEachEngine("finding lifecycle in the store", (engine) => {
  let where: TestLocation;
  let store: Store;
  const time = manualClock();

  beforeEach(async () => {
    time.set(Date.parse("2026-11-01T09:00:00.000Z"));
    where = await freshLocation(engine);
    store = await where.open(time.clock);
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("admits a new finding with its whole audit trail and its job, in one transaction", async () => {
    const results = await persistFindings(store, triage(readFixture("generic/cspm-batch.json")));
    expect(results).toEqual([
      { id: "5c7579463ae931d10dec4ec9", state: "awaiting_approval", outcome: "created" },
      { id: "b71bcea8a45d481aa71bc276", state: "fixing", outcome: "created" },
    ]);
    expect(await trail(store, "5c7579463ae931d10dec4ec9")).toEqual([
      "∅ → new by ingest: first seen in generic (generic) as f-7f3a9c21",
      "new → triaged by app: Critical risk (100/100): critical severity × internet reachable × PII × on an attack path.",
      "triaged → awaiting_approval by app: confidence 0.45 is below 0.6: a human approves before the PR opens",
    ]);
    const [first] = await auditTrail(store.db, "5c7579463ae931d10dec4ec9");
    expect(first?.actor).toEqual({ kind: "ingest", source: "generic" });
    expect(first?.at).toBe("2026-11-01T09:00:00.000Z");

    // The finding that may get a PR, and the one awaiting approval (its job opens the issue that
    // shows the proposed change), each have a job, keyed so it cannot be queued twice.
    const jobs = await listJobs(store.db);
    expect(jobs.map((j) => [j.kind, j.payload, j.state, j.uniqueKey]).sort()).toEqual([
      [
        REMEDIATE_JOB,
        { findingId: "5c7579463ae931d10dec4ec9" },
        "queued",
        "remediate:5c7579463ae931d10dec4ec9",
      ],
      [
        REMEDIATE_JOB,
        { findingId: "b71bcea8a45d481aa71bc276" },
        "queued",
        "remediate:b71bcea8a45d481aa71bc276",
      ],
    ]);
    const stored = await getFinding(store.db, "5c7579463ae931d10dec4ec9");
    expect(stored).toMatchObject({
      state: "awaiting_approval",
      version: 3,
      ownerTeam: "data-platform",
      firstSeen: "2026-11-02T08:15:00.000Z",
      risk: { score: 100, tier: "critical" },
      resource: { arn: "arn:aws:s3:::prod-customer-data-backups" },
    });
  });

  it("re-ingesting a known finding refreshes last seen and the source status, and writes no audit event", async () => {
    const [created] = await persistFindings(store, triage(asffS38("FAILED", "2026-11-01T08:00:00.000Z")));
    const id = created?.id as string;
    time.advance(3_600_000);
    const again = await persistFindings(store, triage(asffS38("FAILED", "2026-11-01T10:00:00.000Z")));
    expect(again).toEqual([{ id, state: "fixing", outcome: "updated" }]);
    expect((await getFinding(store.db, id))?.lastSeen).toBe("2026-11-01T10:00:00.000Z");
    expect(await auditTrail(store.db, id)).toHaveLength(3);
    expect(await listJobs(store.db)).toHaveLength(1);
    const sources = await findingSources(store.db, id);
    expect(sources).toHaveLength(1);
    expect(sources[0]).toMatchObject({
      tool: "securityhub",
      format: "asff",
      status: "failed",
      lastSeen: "2026-11-01T10:00:00.000Z",
    });
    // An older document arriving late does not move last seen backwards.
    await persistFindings(store, triage(asffS38("FAILED", "2026-10-01T00:00:00.000Z")));
    expect((await getFinding(store.db, id))?.lastSeen).toBe("2026-11-01T10:00:00.000Z");
  });

  it("keeps a source's PASSED for an open finding as runtime re-scan evidence, without changing its state", async () => {
    const [created] = await persistFindings(store, triage(asffS38("FAILED")));
    const id = created?.id as string;
    const [passed] = await persistFindings(store, triage(asffS38("PASSED", "2026-11-03T12:00:00.000Z")));
    expect(passed).toEqual({ id, state: "fixing", outcome: "updated" });
    const proof = await verificationsOf(store.db, id);
    expect(proof).toHaveLength(1);
    expect(proof[0]).toMatchObject({
      kind: "runtime",
      result: "passed",
      checkedBy: "securityhub",
      observedAt: "2026-11-03T12:00:00.000Z",
    });
    expect(proof[0]?.detail).toMatch(/^securityhub reports S3\.8 passed for arn:aws:s3:::example/);
    expect((await findingSources(store.db, id))[0]?.status).toBe("passed");
  });

  it("resolves a finding fixloop had no fix for when its source reports it passing; the pass is the evidence", async () => {
    const [created] = await persistFindings(store, triage(asffS38("FAILED")));
    const id = created?.id as string;
    await changeState(store, {
      findingId: id,
      to: "unlocatable",
      actor: { kind: "app" },
      reason: "no Terraform",
    });
    time.set(Date.parse("2026-11-04T09:00:00.000Z"));
    const [passed] = await persistFindings(store, triage(asffS38("PASSED", "2026-11-04T08:00:00.000Z")));
    expect(passed).toEqual({ id, state: "resolved", outcome: "updated" });
    expect((await trail(store, id)).at(-1)).toMatch(
      /^unlocatable → resolved by ingest: resolved by the source: securityhub reports it passed \(arn:aws:securityhub:.+\); fixloop had no fix for it \(unlocatable\)$/,
    );
    expect(await verificationsOf(store.db, id)).toMatchObject([
      { kind: "runtime", result: "passed", checkedBy: "securityhub", observedAt: "2026-11-04T08:00:00.000Z" },
    ]);
    expect((await listJobs(store.db, { kind: "source-resolved" })).map((j) => j.uniqueKey)).toEqual([
      `source-resolved:${id}`,
    ]);
    // A finding fixloop is still fixing keeps its state (the previous test); so does a resolved one.
    const [again] = await persistFindings(store, triage(asffS38("PASSED", "2026-11-05T08:00:00.000Z")));
    expect(again?.state).toBe("resolved");
  });

  it("does not store a passing check for something never seen failing", async () => {
    const results = await persistFindings(store, triage(asffS38("PASSED")));
    expect(results).toEqual([
      expect.objectContaining({
        state: null,
        outcome: "skipped",
        reason: "the source reports it passed and it was never seen failing",
      }),
    ]);
    expect(await listFindings(store.db)).toEqual([]);
  });

  it("reopens a resolved finding that a later scan sees failing again, linking it as a regression", async () => {
    const [created] = await persistFindings(store, triage(asffS38("FAILED")));
    const id = created?.id as string;
    await changeState(store, {
      findingId: id,
      to: "resolved",
      actor: { kind: "app" },
      reason: "verified by re-scan",
    });
    const [again] = await persistFindings(store, triage(asffS38("FAILED", "2026-12-01T00:00:00.000Z")));
    expect(again?.state).toBe("reopened");
    expect((await trail(store, id)).slice(-2)).toEqual([
      "fixing → resolved by app: verified by re-scan",
      expect.stringMatching(
        /^resolved → reopened by ingest: regression: securityhub reports it failing again/,
      ),
    ]);
  });

  it("refuses an illegal transition with a typed error and writes nothing", async () => {
    const [created] = await persistFindings(store, triage(asffS38("FAILED")));
    const id = created?.id as string;
    const attempt = changeState(store, { findingId: id, to: "merged", actor: { kind: "app" }, reason: "x" });
    await expect(attempt).rejects.toThrow(IllegalTransitionError);
    await expect(attempt).rejects.toThrow(
      `finding ${id} cannot go from fixing to merged; from fixing it may go to pr_open, unlocatable, unfixable, resolved`,
    );
    expect((await getFinding(store.db, id))?.state).toBe("fixing");
    expect(await auditTrail(store.db, id)).toHaveLength(3);
  });

  it("rolls back the state change when the rest of its transaction fails", async () => {
    const [created] = await persistFindings(store, triage(asffS38("FAILED")));
    const id = created?.id as string;
    await expect(
      store.transaction(async (tx) => {
        await changeStateIn(
          tx,
          { findingId: id, to: "pr_open", actor: { kind: "app" }, reason: "PR #7 opened" },
          store.now(),
        );
        throw new Error("GitHub said no");
      }),
    ).rejects.toThrow("GitHub said no");
    expect((await getFinding(store.db, id))?.state).toBe("fixing");
    expect(await auditTrail(store.db, id)).toHaveLength(3);
  });

  it("refuses a change based on a stale read (someone else moved the finding first)", async () => {
    const [created] = await persistFindings(store, triage(asffS38("FAILED")));
    const id = created?.id as string;
    await changeState(store, {
      findingId: id,
      to: "pr_open",
      actor: { kind: "app" },
      reason: "PR #7 opened",
    });
    const stale = changeState(store, {
      findingId: id,
      to: "unfixable",
      actor: { kind: "app" },
      reason: "patch refused",
      expectedFrom: "fixing",
    });
    await expect(stale).rejects.toThrow(ConcurrentChangeError);
    await expect(stale).rejects.toThrow(`finding ${id} is pr_open, not fixing`);
  });

  it("records a GitHub user as the actor, and exceptions need an approver, a reason and a future expiry", async () => {
    const [created] = await persistFindings(store, triage(asffS38("FAILED")));
    const id = created?.id as string;
    await changeState(store, {
      findingId: id,
      to: "unfixable",
      actor: { kind: "app" },
      reason: "bucket managed elsewhere",
    });
    const octocat = { kind: "github-user" as const, login: "octocat", id: 583231 };
    await expect(
      grantException(store, {
        findingId: id,
        reason: "",
        approvedBy: octocat,
        expiresAt: new Date("2027-01-01"),
      }),
    ).rejects.toThrow(InvalidExceptionError);
    await expect(
      grantException(store, {
        findingId: id,
        reason: "x",
        approvedBy: octocat,
        expiresAt: new Date("2026-10-01"),
      }),
    ).rejects.toThrow(`an exception for ${id} must expire in the future (got 2026-10-01T00:00:00.000Z)`);
    await grantException(store, {
      findingId: id,
      reason: "legacy bucket, migration in Q1",
      approvedBy: octocat,
      expiresAt: new Date("2026-12-01T00:00:00Z"),
    });
    const events = await auditTrail(store.db, id);
    expect(events.at(-1)).toMatchObject({
      from: "unfixable",
      to: "excepted",
      actor: octocat,
      reason: "exception until 2026-12-01T00:00:00.000Z: legacy bucket, migration in Q1",
    });

    // Nothing happens before the expiry; after it the sweep triages the finding again, and its
    // triage gate sends it back into the loop (here: fixed, with its remediate job) instead of
    // leaving it in `triaged`, where nothing would ever pick it up.
    expect(await sweepExpiredExceptions(store)).toBe(0);
    time.set(Date.parse("2026-12-01T00:00:01Z"));
    expect(await sweepExpiredExceptions(store)).toBe(1);
    expect((await auditTrail(store.db, id)).slice(-2)).toMatchObject([
      {
        from: "excepted",
        to: "triaged",
        actor: { kind: "app" },
        reason:
          "exception #1 approved by @octocat (GitHub user 583231) on 2026-11-01 ended on 2026-12-01T00:00:00.000Z (expired): the SLA restarts from then",
      },
      {
        from: "triaged",
        to: "fixing",
        actor: { kind: "app" },
        reason: "risk 45 (medium) with confidence 0.77",
      },
    ]);
    expect((await getFinding(store.db, id))?.state).toBe("fixing");
    expect(await sweepExpiredExceptions(store)).toBe(0);
  });

  it("marks SLA breaches once, and not for findings that are fixed or accepted", async () => {
    const results = await persistFindings(store, triage(readFixture("generic/cspm-batch.json")));
    const [critical, high] = results.map((r) => r.id) as [string, string];
    await changeState(store, { findingId: high, to: "resolved", actor: { kind: "app" }, reason: "verified" });
    time.set(Date.parse("2027-06-01T00:00:00Z"));
    expect(await sweepSlaBreaches(store)).toBe(1);
    expect((await getFinding(store.db, critical))?.slaBreachedAt).toBe("2027-06-01T00:00:00.000Z");
    expect((await getFinding(store.db, high))?.slaBreachedAt).toBeNull();
    time.advance(1000);
    expect(await sweepSlaBreaches(store)).toBe(0);
  });

  it("resolves ids by unique prefix and says when a prefix is ambiguous or unknown", async () => {
    await persistFindings(store, triage(readFixture("generic/cspm-batch.json")));
    expect(await resolveFindingId(store.db, "5c75")).toBe("5c7579463ae931d10dec4ec9");
    expect(await resolveFindingId(store.db, "B71BCEA8")).toBe("b71bcea8a45d481aa71bc276");
    await expect(resolveFindingId(store.db, "ffff")).rejects.toThrow('no finding with id "ffff"');
    await expect(resolveFindingId(store.db, "x'; drop")).rejects.toThrow(FindingNotFoundError);
  });

  it("lists by state, highest risk first", async () => {
    await persistFindings(store, triage(readFixture("generic/cspm-batch.json")));
    await persistFindings(store, triage(asffS38("FAILED")));
    expect((await listFindings(store.db)).map((f) => [f.risk.score, f.state])).toEqual([
      [100, "awaiting_approval"],
      [68, "fixing"],
      [45, "fixing"],
    ]);
    expect((await listFindings(store.db, { state: "fixing" })).map((f) => f.risk.score)).toEqual([68, 45]);
  });

  it("records a webhook delivery once", async () => {
    expect(
      await firstDelivery(store.db, "72d3162e-cc78-11e3-81ab-4c9367dc0958", "pull_request", store.now()),
    ).toBe(true);
    expect(
      await firstDelivery(store.db, "72d3162e-cc78-11e3-81ab-4c9367dc0958", "pull_request", store.now()),
    ).toBe(false);
  });

  it("migrates once: reopening an existing store keeps its data", async () => {
    await persistFindings(store, triage(asffS38("FAILED")));
    await store.close();
    store = await where.open(time.clock);
    expect(await listFindings(store.db)).toHaveLength(1);
  });
});
