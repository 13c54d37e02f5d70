// Which SLA notices a finding is due, at a moment: the warning once `sla.warnAt` of its SLA has
// passed (before the due date, while not breached), the breach once the sweep recorded it, and
// each escalation step once its `after` has passed since the due date. Pure: the I/O that posts
// them, once each, is ./notices.ts. The ladder counts from the due date — the moment the SLA was
// broken — not from when the sweep noticed, so a late sweep does not shift the ladder.

import type { SlaNotice } from "../store/sla-notices.ts";

export interface SlaSettings {
  /** Share of the SLA after which the owners are warned; null: no warning. */
  warnAt: number | null;
  escalate: ReadonlyArray<{ after: number; notify: string }>;
  /** The finding's SLA, in hours: from its detection to its due date, as triage set it. */
  slaHours: number;
}

export interface SlaClock {
  /** Epoch ms. */
  due: number;
  /** When the sweep recorded the breach (epoch ms), or null. */
  breachedAt: number | null;
}

const HOUR = 3_600_000;

/** When the warning is due (epoch ms), or null when there is none. */
export function warningTime(clock: SlaClock, sla: SlaSettings): number | null {
  if (sla.warnAt === null) return null;
  return Math.round(clock.due - (1 - sla.warnAt) * sla.slaHours * HOUR);
}

/** The notices due at `now`, in the order they are told. */
export function dueNotices(clock: SlaClock, sla: SlaSettings, now: number): SlaNotice[] {
  if (clock.breachedAt === null) {
    const warnAt = warningTime(clock, sla);
    return warnAt !== null && warnAt <= now && now < clock.due ? [{ kind: "warning" }] : [];
  }
  const steps = sla.escalate.flatMap((s, step) =>
    clock.due + s.after <= now ? [{ kind: "escalation" as const, step }] : [],
  );
  return [{ kind: "breach" }, ...steps];
}

/** The SLA length triage gave a finding (`slaHours` of its tier when it was detected), in hours. */
export function slaHoursOf(finding: { firstSeen: string | null; slaDue: string }): number | null {
  if (!finding.firstSeen) return null;
  const hours = (Date.parse(finding.slaDue) - Date.parse(finding.firstSeen)) / HOUR;
  return Number.isFinite(hours) && hours > 0 ? Math.round(hours * 100) / 100 : null;
}

/** `48 h`, `7 d` (whole days above 48 h), `90 min`. */
export function durationText(ms: number): string {
  const hours = ms / HOUR;
  if (hours > 48 && Number.isInteger(hours / 24)) return `${hours / 24} d`;
  if (hours >= 1) return `${Number.isInteger(hours) ? hours : hours.toFixed(1)} h`;
  return `${Math.round(ms / 60_000)} min`;
}

/** `due 2026-11-04 14:00 UTC (48 h, critical tier)`: the SLA as the PR body and issue show it. */
export function slaLine(due: string, slaHours: number | null, tier: string): string {
  const length = slaHours === null ? "" : `${durationText(slaHours * HOUR)}, `;
  return `due ${due.slice(0, 10)} ${due.slice(11, 16)} UTC (${length}${tier} tier)`;
}
