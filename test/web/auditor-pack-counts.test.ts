// The auditor pack decides which findings are rows of a period, and counts them (detected, resolved,
// past their SLA as of the end), from a few facts per finding read in SQL — no longer from every
// finding's whole evidence record. On the dashboard's seeded store (real samples moved through the
// lifecycle, late resolutions included, and breaches recorded by the sweep), for periods that start and end
// mid-way through the findings' histories, the facts decide exactly what the records decide.

import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Period, periodRow } from "../../src/evidence/period.ts";
import { buildEvidenceRecord } from "../../src/evidence/record.ts";
import type { Store } from "../../src/store/store.ts";
import { orgPeriodLines } from "../../src/web/pages/auditor-pack.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "../store/engines.ts";
import { htmlOf, openPage, textOf, viewerOf } from "./render.ts";
import { NOW, ORG, START, seedDashboard } from "./seed.ts";

const DAY = 86_400_000;

describeEachEngine("auditor pack counts", (engine) => {
  let loc: TestLocation;
  let store: Store;

  beforeAll(async () => {
    loc = await freshLocation(engine);
    const clock = manualClock();
    store = await loc.open(clock.clock);
    await seedDashboard(store, clock);
    // Breaches the SLA sweep recorded a day after the due date, on findings now closed without a
    // fix (accepted, suppressed) and resolved: those count only through the recorded breach.
    await store.db
      .updateTable("findings")
      .set({ sla_breached_at: sql`sla_due + ${DAY}` })
      .where("org", "=", ORG)
      .where("state", "in", ["excepted", "suppressed", "resolved", "closed_unmerged"])
      .execute();
  }, 60_000);
  afterAll(async () => {
    await store.close();
    await loc.dispose();
  });

  /** The period's rows as the evidence records say, every finding of the organization read whole. */
  async function fromRecords(period: Period) {
    const ids = await store.db.selectFrom("findings").select("id").where("org", "=", ORG).execute();
    const rows = [];
    for (const { id } of ids) {
      const row = periodRow(await buildEvidenceRecord(store.db, id), period);
      if (row) rows.push(row);
    }
    return rows
      .sort((a, b) => a.detectedAt.localeCompare(b.detectedAt) || a.id.localeCompare(b.id))
      .map((r) => ({
        id: r.id,
        detectedAt: r.detectedAt,
        detected: r.activity.includes("detected"),
        resolved: r.activity.includes("resolved"),
        slaBreached: r.slaBreached,
      }));
  }

  const periods: Array<[string, Period]> = [
    ["the whole history", { since: START - DAY, until: NOW + DAY }],
    ["October", { since: Date.parse("2026-10-01"), until: Date.parse("2026-11-01") }],
    ["before anything happened", { since: START - 30 * DAY, until: START - DAY }],
    ...Array.from({ length: 11 }, (_, i): [string, Period] => [
      `week ${i + 1}`,
      { since: START + i * 7 * DAY + 3_600_000, until: START + (i + 1) * 7 * DAY + 3_600_000 },
    ]),
  ];

  it.each(periods)("decides the rows and their counts as the records do: %s", async (_name, period) => {
    const expected = await fromRecords(period);
    expect(await orgPeriodLines(store, ORG, period)).toEqual(expected);
  });

  it("the page's summary counts what the records say", async () => {
    const expected = await fromRecords({ since: Date.parse("2026-10-01"), until: Date.parse("2026-11-01") });
    expect(expected.some((r) => r.slaBreached) && expected.some((r) => r.resolved)).toBe(true);
    const html = htmlOf(
      await openPage(
        store,
        viewerOf("alice", [ORG]),
        "/orgs/acme/auditor-pack?since=2026-10-01&until=2026-10-31",
      ),
    );
    expect(textOf(html)).toContain(
      `${expected.length} findings with activity in the period: ${expected.filter((r) => r.detected).length} detected, ${expected.filter((r) => r.resolved).length} resolved, ${expected.filter((r) => r.slaBreached).length} past their SLA.`,
    );
  });
});
