// Which detections a suppression covers (pure: the date of today is passed in). A suppression is
// matched by any id or alias of the detection's rule (CKV_AWS_20, aws-s3-enable-bucket-encryption,
// AVD-AWS-0086, a KICS query id…); an expired one counts as no suppression, and says so.

import { simpleGlob } from "../config/wildcard.ts";
import { resolveRuleId } from "../rules/registry.ts";
import { type Detection, detectionId } from "../rules/types.ts";
import type { Suppression } from "./comments.ts";

export interface SuppressedDetection {
  detection: Detection;
  suppression: Suppression;
}

export interface SuppressionResult {
  /** Detections no valid suppression covers: reported, fixed, opened as PRs as before. */
  active: Detection[];
  suppressed: SuppressedDetection[];
  /** Per detection id, the expired suppression that would have covered an active detection. */
  expired: Map<string, Suppression>;
}

/** Today as `yyyy-mm-dd` (UTC), the form expiries are written in. */
export function isoDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Expired when its date is before today: an ignore "until 2026-12-31" still holds on that day. */
export function isExpired(s: Suppression, today: string): boolean {
  return s.expires !== undefined && s.expires < today;
}

function namesRule(s: Suppression, ruleId: string): boolean {
  return s.ids.length === 0 || s.ids.some((id) => id === "*" || resolveRuleId(id)?.id === ruleId);
}

function covers(s: Suppression, d: Detection): boolean {
  const r = d.resource;
  switch (s.scope.kind) {
    case "tree":
      return !s.scope.paths || s.scope.paths.some((p) => simpleGlob(p).test(r.file));
    case "file":
      return s.file === r.file;
    case "enclosing-block":
      return s.file === r.file && s.line >= r.line && s.line <= r.endLine;
    case "target-line":
      return s.file === r.file && (s.scope.line === d.line || s.scope.line === r.line);
    case "exact-line":
      return s.file === r.file && s.scope.line === d.line;
  }
}

export function applySuppressions(
  detections: readonly Detection[],
  suppressions: readonly Suppression[],
  today: string,
): SuppressionResult {
  const result: SuppressionResult = { active: [], suppressed: [], expired: new Map() };
  // By file, so a detection is checked against its own file's comments and the tree-wide entries
  // only (a repository with thousands of comments stays linear in practice).
  const byFile = new Map<string, Suppression[]>();
  const treeWide: Suppression[] = [];
  for (const s of suppressions) {
    if (s.scope.kind === "tree") treeWide.push(s);
    else {
      const list = byFile.get(s.file);
      if (list) list.push(s);
      else byFile.set(s.file, [s]);
    }
  }
  for (const d of detections) {
    const candidates = [...(byFile.get(d.resource.file) ?? []), ...treeWide];
    const matching = candidates.filter((s) => covers(s, d) && namesRule(s, d.ruleId));
    const valid = matching.find((s) => !isExpired(s, today));
    if (valid) {
      result.suppressed.push({ detection: d, suppression: valid });
      continue;
    }
    result.active.push(d);
    const expired = matching[0];
    if (expired) result.expired.set(detectionId(d), expired);
  }
  return result;
}

/** One sentence on a suppression: what, where, why, until when, by whom. */
export function suppressionSentence(
  s: Suppression,
  authors: ReadonlyMap<string, string> = new Map(),
): string {
  const who = authors.get(`${s.file}:${s.line}`);
  return [
    `suppressed by ${s.text} (${s.file}:${s.line})`,
    s.reason ? `reason: ${s.reason}` : "no reason given",
    s.expires ? `until ${s.expires}` : "no expiry",
    ...(who ? [`written by ${who}`] : []),
  ].join("; ");
}
