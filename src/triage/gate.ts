// What fixloop may do with a finding: record it only, open a fix PR, or open one that waits for a
// human approval (critical risk with a disruptive fix, or low confidence). Always with the reason.

import type { Confidence } from "./confidence.ts";
import type { TriageConfig } from "./config.ts";
import type { Risk } from "./risk.ts";

export type Gate = "record_only" | "pr" | "pr_after_approval";

export interface GateDecision {
  gate: Gate;
  reason: string;
}

export interface FixTraits {
  /** A fix exists for this finding. */
  fixable: boolean;
  /** The fix replaces a resource or closes network access (from the rule's impact notes). */
  disruptive: boolean;
  /** The rule's impact notes; the first says what a disruptive fix breaks. */
  impact?: readonly string[];
}

/**
 * The one sentence that says a fix is disruptive and what it breaks, shared by the app's gate and
 * the CLI's `--allow-disruptive` skip so both say the same thing. A disruptive rule's first impact
 * note is the one that says what breaks (replacement, data loss, lost access).
 */
export function disruptionSentence(impact: readonly string[] | undefined): string {
  // Its first sentence: the full notes are shown beside it (fix output, PR body).
  const note = impact?.[0]?.split(/(?<!\b(?:e\.g|i\.e|etc))\.\s/)[0]?.trim();
  // A trailing period is dropped by hand (the sentence goes on after it), not by a regex run before $.
  const bare = note?.endsWith(".") ? note.slice(0, -1) : note;
  return `disruptive — ${bare || "the fix replaces a resource or closes access someone may rely on"}`;
}

export function decideGate(risk: Risk, conf: Confidence, fix: FixTraits, config: TriageConfig): GateDecision {
  if (!fix.fixable) return { gate: "record_only", reason: "no automatic fix applies" };
  if (risk.score < config.gates.prThreshold) {
    return {
      gate: "record_only",
      reason: `risk ${risk.score} is below the PR threshold ${config.gates.prThreshold}`,
    };
  }
  if (conf.value < config.gates.minConfidence) {
    return {
      gate: "pr_after_approval",
      reason: `confidence ${conf.value} is below ${config.gates.minConfidence}: a human approves before the PR opens`,
    };
  }
  if (risk.tier === "critical" && fix.disruptive) {
    return {
      gate: "pr_after_approval",
      reason: `critical risk and the fix is ${disruptionSentence(fix.impact)}; a human approves first`,
    };
  }
  return { gate: "pr", reason: `risk ${risk.score} (${risk.tier}) with confidence ${conf.value}` };
}

/** The gate of a rule the organization demoted: a person listed it after `fixloop report tuning`
 *  showed its PRs rejected or its findings false positives too often. Recorded, never a PR. */
export function demotedGate(ruleId: string): GateDecision {
  return {
    gate: "record_only",
    reason: `rule ${ruleId} is demoted to record only by rules.demote.rules in the organization's fixloop.yml: recorded, no PR`,
  };
}
