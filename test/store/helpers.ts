// Real sample documents turned into triaged findings, the way `fixloop ingest` does it.

import { readFileSync } from "node:fs";
import { parseFindings } from "../../src/findings/registry.ts";
import { type TriagedFinding, triageFinding } from "../../src/ingest/triage-finding.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../../src/triage/config.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };

export function readFixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/findings/${path}`, import.meta.url), "utf8"));
}

export function triage(document: unknown, now = new Date("2026-11-01T09:00:00Z")): TriagedFinding[] {
  return parseFindings(document, ctx, "auto").findings.map((f) =>
    triageFinding(f, DEFAULT_TRIAGE_CONFIG, now),
  );
}

/** The real Security Hub S3.8 sample, with only its compliance status (and time) changed. */
export function asffS38(status: "FAILED" | "PASSED", updatedAt?: string): unknown {
  const doc = structuredClone(readFixture("asff/afsbp-s3.8.json")) as Record<string, unknown>;
  doc.Compliance = { Status: status };
  if (updatedAt) {
    doc.UpdatedAt = updatedAt;
    doc.LastObservedAt = updatedAt;
  }
  return doc;
}
