// The fix engine: applies each detection's fix to the files of its module, verifies every patched
// file (hcl/patch-check.ts), then re-scans the module and keeps the fix only if the finding is gone and
// no new finding appeared (as KICS re-runs its query on remediated files). Fixes are applied one
// at a time so later fixes see earlier ones (e.g. a variable another fix already declared).

import { posix } from "node:path";
import type { HclFile } from "../hcl/ast.ts";
import { buildIndex, type SourceFile, type TerraformIndex } from "../hcl/index.ts";
import { isJsonSyntax } from "../hcl/json-syntax.ts";
import { parseHcl } from "../hcl/parser.ts";
import { patchFile } from "../hcl/patch-check.ts";
import { unifiedDiff } from "../hcl/unified-diff.ts";
import { disruptionSentence } from "../triage/gate.ts";
import { providerVersionRefusal } from "./provider-versions.ts";
import { scanIndex } from "./scan.ts";
import { type Detection, detectionId, type Rule } from "./types.ts";

export type FixStatus = "fixed" | "skipped" | "refused";

export interface FixOutcome {
  detection: Detection;
  status: FixStatus;
  /** Why it was skipped or refused; for fixed, what was changed. */
  reason: string;
  /** Files this fix changed, each with the unified diff of this fix alone (texts are not kept:
   *  a run over a large tree would hold every intermediate version of every file). */
  changes: Array<{ file: string; diff: string }>;
  /** The rule's impact notes (what the fix does beyond the obvious), for a fix applied or held back
   *  as disruptive; empty otherwise. */
  impact: string[];
}

export interface FixOptions {
  /** Apply fixes the rule marks disruptive. The CLI asks for `--allow-disruptive`; the app applies
   *  them and lets its triage gate hold critical ones for a human approval. */
  allowDisruptive?: boolean;
}

/** Why a disruptive fix was not applied, with the flag that applies it. */
export function disruptiveSkipReason(rule: Pick<Rule, "impact">): string {
  return `${disruptionSentence(rule.impact)}; re-run with --allow-disruptive to apply it`;
}

export interface FixRun {
  outcomes: FixOutcome[];
  /** Every file changed by the run: its original and final text (`before` is "" for a new file). */
  files: Map<string, { before: string; after: string }>;
}

/** Why a file must not be written (a symlink, outside the checkout, bytes that would change), or
 *  undefined when it may be. The engine is pure: the caller that owns the disk answers. */
export type WriteCheck = (path: string) => Promise<string | undefined>;

/**
 * The check when the caller has none of its own (the app, whose repository snapshot is decoded
 * lossily): a file whose text holds U+FFFD had bytes that were not UTF-8 when read, and writing the
 * text back would replace them on lines the fix does not touch. Such a file is never edited.
 */
export function lossyTextCheck(sources: readonly SourceFile[]): WriteCheck {
  const lossy = new Set(sources.filter((s) => s.text.includes("\uFFFD")).map((s) => s.path));
  return async (path) =>
    lossy.has(path)
      ? `${path} is not valid UTF-8 (bytes that could not be read show as U+FFFD): rewriting it would change bytes on lines the fix does not touch, so fixloop does not edit it`
      : undefined;
}

export async function fixDetections(
  sources: SourceFile[],
  detections: Detection[],
  rules: readonly Rule[],
  /** The index the detections came from, when the caller has it (saves indexing the tree twice). */
  fullIndex: TerraformIndex = buildIndex(sources),
  /** Asked for every file a fix would change; a reason makes the fix `refused` with it. */
  refuseWrite: WriteCheck = lossyTextCheck(sources),
  { allowDisruptive = true }: FixOptions = {},
): Promise<FixRun> {
  const current = new Map(sources.map((s) => [s.path, s.text]));
  const original = new Map(current);
  const byId = new Map(rules.map((r) => [r.id, r]));
  const outcomes: FixOutcome[] = [];

  // A fix re-indexes only the module it touches plus the modules that call it (their provider
  // version pins and inputs matter to rules), not the whole tree.
  const scopeOf = (dir: string): Set<string> => {
    const dirs = new Set([dir]);
    for (const d of dirs) {
      for (const call of fullIndex.modules.get(d)?.calledBy ?? []) dirs.add(call.module);
    }
    return dirs;
  };
  const pathsByDir = new Map<string, Set<string>>();
  const track = (path: string) => {
    const dir = posix.dirname(path);
    if (!pathsByDir.has(dir)) pathsByDir.set(dir, new Set());
    pathsByDir.get(dir)!.add(path);
  };
  for (const s of sources) track(s.path);
  /** Index of the files in `dirs`, as they are now, with `overlay` (path → text) applied. */
  const indexOf = (dirs: Set<string>, overlay = new Map<string, string>()): TerraformIndex => {
    const files: SourceFile[] = [];
    for (const dir of dirs) {
      for (const path of pathsByDir.get(dir) ?? [])
        files.push({ path, text: overlay.get(path) ?? current.get(path)! });
    }
    for (const [path, text] of overlay)
      if (!current.has(path) && dirs.has(posix.dirname(path))) files.push({ path, text });
    return buildIndex(files);
  };

  for (const detection of detections) {
    const rule = byId.get(detection.ruleId);
    const outcome = (
      status: FixStatus,
      reason: string,
      changes: FixOutcome["changes"] = [],
      impact: string[] = [],
    ) => outcomes.push({ detection, status, reason, changes, impact });
    if (!rule) {
      outcome("refused", `rule ${detection.ruleId} is not in the catalog`);
      continue;
    }
    if (rule.fixable !== true || !rule.fix) {
      outcome("skipped", rule.fixable === true ? "this rule has no automatic fix" : rule.fixable.reason);
      continue;
    }
    if (rule.disruptive && !allowDisruptive) {
      outcome("skipped", disruptiveSkipReason(rule), [], [...rule.impact]);
      continue;
    }
    const dirs = scopeOf(detection.resource.module);
    const index = indexOf(dirs);
    const id = detectionId(detection);
    const before = scanIndex(index, rules);
    const live = before.find((d) => detectionId(d) === id);
    if (!live) {
      outcome("skipped", "already fixed by an earlier change in this run");
      continue;
    }
    // A module pinned to provider versions the fix was not checked against gets no fix.
    const pinned = providerVersionRefusal(index, rule, live);
    if (pinned) {
      outcome("refused", pinned);
      continue;
    }
    const plan = rule.fix(live, { index });
    if (plan.kind === "unfixable") {
      outcome("skipped", plan.reason);
      continue;
    }
    const changes: Array<{ file: string; before: string; after: string }> = [];
    let refusal: string | undefined;
    for (const { file, ops } of plan.files) {
      if (isJsonSyntax(file)) {
        refusal = `${file}: fixloop does not edit .tf.json files yet — apply the change by hand`;
        break;
      }
      const cannotWrite = await refuseWrite(file);
      if (cannotWrite) {
        refusal = cannotWrite;
        break;
      }
      const existing = current.get(file);
      let hcl: HclFile | undefined = index.files.get(file);
      if (!hcl && existing === undefined) hcl = { path: file, text: "", body: [] };
      // Variable files are indexed for their values only; a fix at a tfvars entry edits one.
      if (!hcl && existing !== undefined && file.endsWith(".tfvars")) hcl = tfvarsFile(file, existing);
      if (!hcl) {
        refusal = `${file} cannot be edited: it does not parse`;
        break;
      }
      const result = await patchFile(hcl, ops);
      if (!result.ok) {
        refusal = `${file}: ${result.reason}`;
        break;
      }
      changes.push({ file, before: existing ?? "", after: result.after });
    }
    if (refusal) {
      outcome("refused", refusal);
      continue;
    }
    // Re-scan the module with the patch applied.
    const patch = new Map(changes.map((c) => [c.file, c.after]));
    const after = scanIndex(indexOf(dirs, patch), rules);
    const afterIds = new Set(after.map(detectionId));
    const beforeIds = new Set(before.map(detectionId));
    if (afterIds.has(id)) {
      outcome("refused", "the re-scan still reports the finding after the patch");
      continue;
    }
    const introduced = [...afterIds].filter((x) => !beforeIds.has(x));
    if (introduced.length > 0) {
      outcome("refused", `the patch would introduce a new finding: ${introduced.join(", ")}`);
      continue;
    }
    for (const c of changes) {
      current.set(c.file, c.after);
      track(c.file);
    }
    outcome(
      "fixed",
      plan.summary,
      changes.map((c) => ({ file: c.file, diff: unifiedDiff(c.file, c.before, c.after) })),
      [...rule.impact],
    );
  }

  const files = new Map<string, { before: string; after: string }>();
  for (const [path, text] of current) {
    const was = original.get(path);
    if (was !== text) files.set(path, { before: was ?? "", after: text });
  }
  return { outcomes, files };
}

function tfvarsFile(path: string, text: string): HclFile | undefined {
  try {
    return parseHcl(path, text);
  } catch {
    return undefined;
  }
}
