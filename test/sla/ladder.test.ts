import { describe, expect, it } from "vitest";
import { dueNotices, durationText, slaHoursOf, slaLine } from "../../src/sla/ladder.ts";

const HOUR = 3_600_000;
const DUE = Date.parse("2026-11-04T14:00:00Z");
const SLA = {
  warnAt: 0.75,
  escalate: [
    { after: 24 * HOUR, notify: "acme/security-leads" },
    { after: 72 * HOUR, notify: "acme/ciso-office" },
  ],
  slaHours: 48,
};

describe("the SLA as people read it", () => {
  it("writes the due date, the length and the tier", () => {
    expect(slaLine("2026-11-04T14:00:00.000Z", 48, "critical")).toBe(
      "due 2026-11-04 14:00 UTC (48 h, critical tier)",
    );
    expect(slaLine("2026-11-04T14:00:00.000Z", 168, "high")).toBe(
      "due 2026-11-04 14:00 UTC (7 d, high tier)",
    );
    expect(slaLine("2026-11-04T14:00:00.000Z", null, "low")).toBe("due 2026-11-04 14:00 UTC (low tier)");
    expect([durationText(90 * 60_000), durationText(36 * HOUR), durationText(30 * 60_000)]).toEqual([
      "1.5 h",
      "36 h",
      "30 min",
    ]);
  });

  it("takes the SLA's length from the detection to the due date", () => {
    expect(slaHoursOf({ firstSeen: "2026-11-02T14:00:00.000Z", slaDue: "2026-11-04T14:00:00.000Z" })).toBe(
      48,
    );
    expect(slaHoursOf({ firstSeen: null, slaDue: "2026-11-04T14:00:00.000Z" })).toBeNull();
  });
});

describe("which notices are due", () => {
  const open = { due: DUE, breachedAt: null };
  it("warns from 75 % of the SLA until the due date, not before", () => {
    expect(dueNotices(open, SLA, DUE - 12 * HOUR - 1)).toEqual([]);
    expect(dueNotices(open, SLA, DUE - 12 * HOUR)).toEqual([{ kind: "warning" }]);
    expect(dueNotices(open, SLA, DUE + 1)).toEqual([]); // the sweep records the breach first
    expect(dueNotices(open, { ...SLA, warnAt: null }, DUE - HOUR)).toEqual([]);
  });

  it("after a breach: the breach, then each step once its time has passed since the due date", () => {
    const breached = { due: DUE, breachedAt: DUE + 10 * 60_000 };
    expect(dueNotices(breached, SLA, DUE + HOUR)).toEqual([{ kind: "breach" }]);
    expect(dueNotices(breached, SLA, DUE + 24 * HOUR)).toEqual([
      { kind: "breach" },
      { kind: "escalation", step: 0 },
    ]);
    expect(dueNotices(breached, SLA, DUE + 80 * HOUR)).toEqual([
      { kind: "breach" },
      { kind: "escalation", step: 0 },
      { kind: "escalation", step: 1 },
    ]);
  });
});
