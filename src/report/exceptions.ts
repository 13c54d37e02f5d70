// The register of accepted risks: exceptions granted by command and by file, snoozes, confirmed
// false positives and inline suppressions, one row each with where it came from, who approved it,
// why and until when — soonest expiry first. Shared by `fixloop exceptions` and GET /api/exceptions.

import type { RegisterRow } from "../store/exceptions.ts";
import { showUnsafe } from "./unsafe-chars.ts";

const DAY_MS = 86_400_000;

export class InvalidWindowError extends Error {
  readonly code = "INVALID_WINDOW";
}

/** `30d` / `30` → milliseconds; anything else is refused with what is expected. */
export function parseWindow(text: string): number {
  const m = /^(\d{1,4})d?$/.exec(text.trim());
  if (!m || Number(m[1]) === 0)
    throw new InvalidWindowError(
      `--expiring wants a number of days such as 30d (got ${JSON.stringify(text)})`,
    );
  return Number(m[1]) * DAY_MS;
}

/** The rows that expire within `window` of now (already expired ones included; no expiry: out). */
export function expiringWithin(rows: readonly RegisterRow[], now: number, window: number): RegisterRow[] {
  return rows.filter((r) => r.expiresAt !== null && r.expiresAt <= now + window);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The JSON form (dates as ISO 8601). */
export function registerJson(rows: readonly RegisterRow[]) {
  return rows.map((r) => ({
    kind: r.kind,
    origin: r.origin,
    finding: r.findingId,
    rule: r.rule,
    approvedBy: r.approvedBy,
    reason: r.reason,
    expiresAt: iso(r.expiresAt),
    reference: r.reference,
    createdAt: iso(r.createdAt),
    org: r.org,
  }));
}

/** A newline, escape sequence or bidi control from a reason or a file cannot break the table. */
const cell = (text: string | null) => showUnsafe(text ?? "-");

/** The text form: a header and one line per row. */
export function renderRegisterText(rows: readonly RegisterRow[]): string {
  if (rows.length === 0) return "no exceptions, snoozes or suppressions\n";
  const lines = rows.map((r) =>
    [
      r.expiresAt === null ? "never" : new Date(r.expiresAt).toISOString().slice(0, 10),
      r.kind,
      r.origin,
      r.findingId ?? "-",
      r.rule ?? "-",
      r.approvedBy ? `@${r.approvedBy}` : "-",
      r.reference ?? "-",
      r.reason,
    ].map(cell),
  );
  const header = ["EXPIRES", "KIND", "ORIGIN", "FINDING", "RULE", "APPROVED BY", "WHERE", "REASON"];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return `${[row(header), ...lines.map(row)].join("\n")}\n`;
}
