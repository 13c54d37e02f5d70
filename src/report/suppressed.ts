// Suppressed detections and suppressions the repository's policy rejects, in the scan's outputs.

import type { Rule } from "../rules/types.ts";
import { type SuppressedDetection, suppressionSentence } from "../suppress/apply.ts";
import type { Suppression } from "../suppress/comments.ts";
import type { SuppressionProblem } from "../suppress/policy.ts";
import { findingJson } from "./findings.ts";
import { showUnsafe } from "./unsafe-chars.ts";

/** Who wrote each suppression, keyed `file:line` (from git blame; empty outside git). */
export type Authors = ReadonlyMap<string, string>;

export function suppressionJson(s: Suppression, authors: Authors = new Map()) {
  return {
    syntax: s.syntax,
    text: s.text,
    file: s.file,
    line: s.line,
    reason: s.reason ?? null,
    expires: s.expires ?? null,
    author: authors.get(`${s.file}:${s.line}`) ?? null,
  };
}

export function suppressedJson(x: SuppressedDetection, rule: Rule, authors?: Authors) {
  return {
    ...findingJson(x.detection, rule),
    status: "suppressed",
    suppression: suppressionJson(x.suppression, authors),
  };
}

export function problemJson(p: SuppressionProblem, authors?: Authors) {
  return {
    ruleId: p.ruleId,
    file: p.suppression.file,
    line: p.suppression.line,
    message: p.message,
    suppression: suppressionJson(p.suppression, authors),
  };
}

/** The line an active finding gets when the suppression that covered it has expired. */
export function expiredNote(s: Suppression): string {
  return `suppression expired on ${s.expires}: ${s.text} (${s.file}:${s.line})`;
}

export { suppressionSentence } from "../suppress/apply.ts";

export function suppressedText(
  suppressed: readonly SuppressedDetection[],
  problems: readonly SuppressionProblem[],
  rules: ReadonlyMap<string, Rule>,
  authors?: Authors,
): string {
  const lines: string[] = [];
  if (suppressed.length > 0) {
    lines.push("", `Suppressed in code (${suppressed.length}, not fixed):`);
    for (const { detection: d, suppression } of suppressed) {
      const severity = rules.get(d.ruleId)?.severity ?? "";
      lines.push(
        showUnsafe(`${d.resource.file}:${d.line}  ${severity.padEnd(8)} ${d.ruleId}  ${d.resource.address}`),
        showUnsafe(`    ${suppressionSentence(suppression, authors)}`),
      );
    }
  }
  if (problems.length > 0) {
    lines.push("", `Suppressions the repository's policy rejects (${problems.length}):`);
    for (const p of problems)
      lines.push(
        showUnsafe(`${p.suppression.file}:${p.suppression.line}  ${p.ruleId}`),
        showUnsafe(`    ${p.message}: ${p.suppression.text}`),
      );
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}
