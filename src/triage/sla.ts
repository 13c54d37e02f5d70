// SLA due dates per risk tier (defaults: critical 48 h, high 7 d, medium 30 d, low 90 d).

import type { TriageConfig } from "./config.ts";
import type { Tier } from "./risk.ts";

/** Due date for a finding detected at `detectedAt` (ISO 8601); the clock is the caller's. */
export function slaDueDate(tier: Tier, detectedAt: string, config: TriageConfig): string {
  const start = Date.parse(detectedAt);
  if (Number.isNaN(start)) throw new Error(`not an ISO 8601 date: "${detectedAt}"`);
  return new Date(start + config.slaHours[tier] * 3_600_000).toISOString();
}
