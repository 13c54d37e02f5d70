// What storing a document means is decided without I/O (planIngest); persist.ts only reads the
// identities first and writes the plan after. Real sample documents, no store.

import { describe, expect, it } from "vitest";
import { type IngestFacts, planIngest } from "../../src/ingest/persist.ts";
import type { AuditEvent } from "../../src/lifecycle/machine.ts";
import { asffS38, readFixture, triage } from "../store/helpers.ts";

const NOW = Date.parse("2026-11-01T09:00:00.000Z");

function facts(over: Partial<IngestFacts> & Pick<IngestFacts, "triaged">): IngestFacts {
  return {
    identities: { ids: over.triaged.map((t) => t.dedupeKey), known: new Map(), claims: new Map() },
    resolutions: new Map(),
    scope: {},
    now: NOW,
    ...over,
  };
}

describe("planIngest", () => {
  it("admits new findings with their trail and the jobs their resting states queue", () => {
    const triaged = triage(readFixture("generic/cspm-batch.json"));
    const plan = planIngest(facts({ triaged }));
    expect(plan.admitted.map((a) => [a.row.state, a.row.version, a.result.events.length])).toEqual([
      ["awaiting_approval", 3, 3],
      ["fixing", 3, 3],
    ]);
    expect(plan.jobs).toEqual(
      triaged.map((t) => ({
        kind: "remediate",
        payload: { findingId: t.dedupeKey },
        uniqueKey: `remediate:${t.dedupeKey}`,
        priority: t.risk.score,
      })),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.results.map((r) => r.outcome)).toEqual(["created", "created"]);
  });

  it("skips a passing record never seen failing", () => {
    const plan = planIngest(facts({ triaged: triage(asffS38("PASSED")) }));
    expect(plan.admitted).toEqual([]);
    expect(plan.results[0]).toMatchObject({ state: null, outcome: "skipped" });
  });

  it("reopens a resolved finding reported failing, linking the resolution, with its regression job slot", () => {
    const triaged = triage(asffS38("FAILED", "2026-11-01T08:00:00.000Z"));
    const id = triaged[0]?.dedupeKey as string;
    const resolved: AuditEvent = {
      findingId: id,
      from: "verifying",
      to: "resolved",
      at: "2026-10-20T10:00:00.000Z",
      actor: { kind: "app" },
      reason: "verified",
      links: { pr: "https://github.com/acme/infra/pull/7" },
    };
    const plan = planIngest(
      facts({
        triaged,
        identities: { ids: [id], known: new Map([[id, { state: "resolved" }]]), claims: new Map() },
        resolutions: new Map([[id, resolved]]),
      }),
    );
    expect(plan.results).toEqual([{ id, state: "reopened", outcome: "updated" }]);
    expect(plan.jobs).toEqual([{ change: 0 }]);
    const snapshot = {
      id,
      state: "resolved" as const,
      version: 5,
      riskScore: 10,
      gate: { gate: "pr", reason: "x" },
    };
    const change = plan.changes[0]?.command(snapshot, NOW);
    expect(change?.events.map((e) => [e.to, e.links])).toEqual([
      ["reopened", { pr: "https://github.com/acme/infra/pull/7" }],
    ]);
    expect(change?.events[0]?.reason).toMatch(/; resolved on 2026-10-20T10:00:00.000Z$/);
    expect(change?.jobs.map((j) => j.kind)).toEqual(["regression"]);
    expect([...plan.lastSeen]).toEqual([[Date.parse("2026-11-01T08:00:00.000Z"), [id]]]);
  });

  it("queues a recheck for a closed PR's finding reported failing, and keeps a pass as re-scan evidence", () => {
    const [failing] = triage(asffS38("FAILED"));
    const id = failing?.dedupeKey as string;
    const closed = planIngest(
      facts({
        triaged: [failing as never],
        identities: { ids: [id], known: new Map([[id, { state: "closed_unmerged" }]]), claims: new Map() },
      }),
    );
    expect(closed.jobs).toMatchObject([{ kind: "recheck", uniqueKey: `recheck:${id}` }]);
    const passing = triage(asffS38("PASSED"));
    const fixing = planIngest(
      facts({
        triaged: passing,
        identities: { ids: [id], known: new Map([[id, { state: "fixing" }]]), claims: new Map() },
      }),
    );
    expect(fixing.changes).toEqual([]);
    expect(fixing.evidence.map((e) => [e.findingId, e.kind, e.result])).toEqual([[id, "runtime", "passed"]]);
  });
});
