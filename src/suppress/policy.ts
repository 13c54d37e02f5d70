// The repository's rule for suppressions (`.github/fixloop.yml` › `suppressions`): a reason, and an
// expiry no further than `maxDays` away. A suppression that breaks it is a finding of its own,
// `suppression-without-reason`, so a security team sees every skip nobody justified.

import type { Suppression } from "./comments.ts";

export const SUPPRESSION_RULE_ID = "suppression-without-reason";

export interface SuppressionPolicy {
  requireReason: boolean;
  /** Longest allowed time to expiry in days; null: no expiry required. */
  maxDays: number | null;
}

export interface SuppressionProblem {
  ruleId: typeof SUPPRESSION_RULE_ID;
  suppression: Suppression;
  /** What is missing or wrong, as shown to the user. */
  message: string;
}

const DAY_MS = 86_400_000;

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The suppressions that do not meet `policy` on `today` (yyyy-mm-dd), each with why. */
export function suppressionProblems(
  suppressions: readonly Suppression[],
  policy: SuppressionPolicy,
  today: string,
): SuppressionProblem[] {
  const out: SuppressionProblem[] = [];
  for (const s of suppressions) {
    const why: string[] = [];
    if (policy.requireReason && !s.reason) why.push("gives no reason");
    if (policy.maxDays !== null) {
      if (!s.expires) why.push(`has no expiry (at most ${policy.maxDays} days required)`);
      else if (Number.isNaN(Date.parse(`${s.expires}T00:00:00Z`)))
        why.push(`has an invalid expiry ${s.expires}`);
      else {
        const days = daysBetween(today, s.expires);
        if (days > policy.maxDays)
          why.push(`expires on ${s.expires}, ${days} days away (at most ${policy.maxDays} allowed)`);
      }
    }
    if (why.length > 0)
      out.push({
        ruleId: SUPPRESSION_RULE_ID,
        suppression: s,
        message: `${s.syntax} suppression ${why.join(" and ")}`,
      });
  }
  return out;
}
