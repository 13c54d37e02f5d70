// The fix engine: applies each detection's fix to the files of its module, verifies every patched
// file (hcl/patch-check.ts), then re-scans the module and keeps the fix only if the finding is gone and
// no new finding appeared (as KICS re-runs its query on remediated files). Fixes are applied one
// at a time so later fixes see earlier ones (e.g. a variable another fix already declared).

import { posix } from "node:path";
import type { HclFile } from "../hcl/ast.ts";
import type { EditOp } from "../hcl/edit.ts";
import { buildIndex, type SourceFile, type TerraformIndex } from "../hcl/index.ts";
import { isJsonSyntax } from "../hcl/json-syntax.ts";
import { parseHcl } from "../hcl/parser.ts";
import {
  applyEdits,
  type FileVerification,
  patchFile,
  startVerification,
  wasFmtClean,
} from "../hcl/patch-check.ts";
import { unifiedDiff } from "../hcl/unified-diff.ts";
import { disruptionSentence } from "../triage/gate.ts";
import { providerVersionRefusal } from "./provider-versions.ts";
import { scanIndex } from "./scan.ts";
import { type Detection, detectionId, impactOn, type Rule } from "./types.ts";

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
  /** "per-file" (default): each changed file is parsed and fmt-checked once with all of its fixes,
   *  and a group of fixes whose combined check fails is done again one fix at a time. "per-fix":
   *  every fix is verified on its own as it is applied. Both write the same text. */
  verify?: "per-file" | "per-fix";
}

/** Why a disruptive fix of a resource of `resourceType` was not applied, with the flag that applies it. */
export function disruptiveSkipReason(
  rule: Pick<Rule, "impact" | "impactByResourceType">,
  resourceType: string,
): string {
  return `${disruptionSentence(impactOn(rule, resourceType))}; re-run with --allow-disruptive to apply it`;
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

export function fixDetections(
  sources: SourceFile[],
  detections: Detection[],
  rules: readonly Rule[],
  /** The index the detections came from, when the caller has it (saves indexing the tree twice). */
  fullIndex: TerraformIndex = buildIndex(sources),
  /** Asked for every file a fix would change; a reason makes the fix `refused` with it. */
  refuseWrite: WriteCheck = lossyTextCheck(sources),
  options: FixOptions = {},
): Promise<FixRun> {
  // Not async: the run keeps only which modules call which, not the whole tree's index (most of
  // the memory of a large tree), so a caller that lets go of the index frees it for the run.
  return runFixes(fixTree(sources, fullIndex), detections, rules, refuseWrite, options);
}

async function runFixes(
  tree: FixTree,
  detections: Detection[],
  rules: readonly Rule[],
  refuseWrite: WriteCheck,
  { allowDisruptive = true, verify = "per-file" }: FixOptions,
): Promise<FixRun> {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const outcomes: FixOutcome[] = new Array(detections.length);
  const engine: Engine = { tree, rules, byId, refuseWrite, allowDisruptive };
  for (const group of independentGroups(detections, tree.scopeOf)) {
    if (verify === "per-fix") {
      await fixGroup(engine, detections, group, outcomes, undefined);
      continue;
    }
    // Each file is verified once with all of the group's fixes in it; when that fails, the group
    // is done again one verified fix at a time, so one bad fix never blocks the others.
    const batch = newBatch();
    await fixGroup(engine, detections, group, outcomes, batch);
    if (!(await finishBatch(batch, tree.current))) {
      rollback(tree, batch);
      await fixGroup(engine, detections, group, outcomes, undefined);
    }
  }

  const files = new Map<string, { before: string; after: string }>();
  for (const [path, text] of tree.current) {
    const was = tree.original.get(path);
    if (was !== text) files.set(path, { before: was ?? "", after: text });
  }
  return { outcomes, files };
}

/** The texts a run works on, by path, and the indexes of the directories a fix looks at. */
interface FixTree {
  current: Map<string, string>;
  original: Map<string, string>;
  /** The module a fix is in plus the modules that call it (their provider pins and inputs matter
   *  to rules): what a fix re-indexes and re-scans, not the whole tree. */
  scopeOf(dir: string): Set<string>;
  /** Index of the files in `dirs`, as they are now, with `overlay` (path → text) applied. */
  indexOf(dirs: Set<string>, overlay?: Map<string, string>): TerraformIndex;
  track(path: string): void;
  untrack(path: string): void;
}

function fixTree(sources: SourceFile[], fullIndex: TerraformIndex): FixTree {
  const current = new Map(sources.map((s) => [s.path, s.text]));
  const original = new Map(current);
  const pathsByDir = new Map<string, Set<string>>();
  const track = (path: string) => {
    const dir = posix.dirname(path);
    if (!pathsByDir.has(dir)) pathsByDir.set(dir, new Set());
    pathsByDir.get(dir)!.add(path);
  };
  for (const s of sources) track(s.path);
  const callers = new Map([...fullIndex.modules].map(([dir, m]) => [dir, m.calledBy.map((c) => c.module)]));
  return {
    current,
    original,
    track,
    untrack: (path) => pathsByDir.get(posix.dirname(path))?.delete(path),
    scopeOf(dir) {
      const dirs = new Set([dir]);
      for (const d of dirs) {
        for (const caller of callers.get(d) ?? []) dirs.add(caller);
      }
      return dirs;
    },
    indexOf(dirs, overlay = new Map<string, string>()) {
      const files: SourceFile[] = [];
      for (const dir of dirs) {
        for (const path of pathsByDir.get(dir) ?? [])
          files.push({ path, text: overlay.get(path) ?? current.get(path)! });
      }
      for (const [path, text] of overlay)
        if (!current.has(path) && dirs.has(posix.dirname(path))) files.push({ path, text });
      return buildIndex(files);
    },
  };
}

/**
 * The detections (by position) in groups that share no directory a fix reads or re-scans: a
 * group's fixes never see another group's files, so groups can be fixed and verified on their
 * own. Within a group, the order of `detections` is kept.
 */
function independentGroups(detections: Detection[], scopeOf: (dir: string) => Set<string>): number[][] {
  const parent = new Map<string, string>();
  const find = (d: string): string => {
    if (!parent.has(d)) parent.set(d, d);
    let root = d;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(d, root);
    return root;
  };
  const scopes = detections.map((d) => [...scopeOf(d.resource.module)]);
  for (const dirs of scopes) {
    const first = find(dirs[0]!);
    for (const dir of dirs.slice(1)) parent.set(find(dir), first);
  }
  const groups = new Map<string, number[]>();
  scopes.forEach((dirs, i) => {
    const root = find(dirs[0]!);
    if (!groups.has(root)) groups.set(root, []);
    groups.get(root)!.push(i);
  });
  return [...groups.values()];
}

interface Engine {
  tree: FixTree;
  rules: readonly Rule[];
  byId: Map<string, Rule>;
  refuseWrite: WriteCheck;
  allowDisruptive: boolean;
}

/** Files patched by a group whose verification waits for the group's last fix. */
interface Batch {
  files: Map<string, { wasClean: boolean; check: FileVerification }>;
  /** What each changed path held before the group (undefined: the file did not exist). */
  saved: Map<string, string | undefined>;
}

const newBatch = (): Batch => ({ files: new Map(), saved: new Map() });

/** Verifies each file of the batch once: original → final text against every intended change. */
async function finishBatch(batch: Batch, current: Map<string, string>): Promise<boolean> {
  for (const [path, { check, wasClean }] of batch.files) {
    if (!(await check.finish(current.get(path)!, wasClean)).ok) return false;
  }
  return true;
}

function rollback(tree: FixTree, batch: Batch): void {
  for (const [path, text] of batch.saved) {
    if (text === undefined) {
      tree.current.delete(path);
      tree.untrack(path);
    } else tree.current.set(path, text);
  }
}

async function fixGroup(
  engine: Engine,
  detections: Detection[],
  group: number[],
  outcomes: FixOutcome[],
  batch: Batch | undefined,
): Promise<void> {
  const last: LastScan = {};
  for (const i of group) outcomes[i] = await fixOne(engine, detections[i]!, batch, last);
}

/**
 * The index and scan of the directories the previous fix of a group looked at, as the tree is now:
 * consecutive fixes in one module (the common case) then index and scan it once per fix, not twice.
 */
interface LastScan {
  dirs?: string;
  index?: TerraformIndex;
  scan?: Detection[];
}

/** One detection's fix: planned on the tree as earlier fixes left it, patched, re-scanned. With a
 *  batch, its files' parse and fmt checks wait for the batch (finishBatch); without, they run now. */
async function fixOne(
  engine: Engine,
  detection: Detection,
  batch: Batch | undefined,
  last: LastScan,
): Promise<FixOutcome> {
  const { tree, rules } = engine;
  const outcome = (
    status: FixStatus,
    reason: string,
    changes: FixOutcome["changes"] = [],
    impact: string[] = [],
  ): FixOutcome => ({ detection, status, reason, changes, impact });
  const rule = engine.byId.get(detection.ruleId);
  if (!rule) return outcome("refused", `rule ${detection.ruleId} is not in the catalog`);
  if (rule.fixable !== true || !rule.fix)
    return outcome("skipped", rule.fixable === true ? "this rule has no automatic fix" : rule.fixable.reason);
  if (rule.disruptive && !engine.allowDisruptive)
    return outcome(
      "skipped",
      disruptiveSkipReason(rule, detection.resource.type),
      [],
      impactOn(rule, detection.resource.type),
    );
  const dirs = tree.scopeOf(detection.resource.module);
  const dirsKey = [...dirs].join("\0");
  if (last.dirs !== dirsKey) {
    last.dirs = dirsKey;
    last.index = tree.indexOf(dirs);
    last.scan = scanIndex(last.index, rules);
  }
  const index = last.index!;
  const before = last.scan!;
  const id = detectionId(detection);
  const live = before.find((d) => detectionId(d) === id);
  if (!live) return outcome("skipped", "already fixed by an earlier change in this run");
  // A module pinned to provider versions the fix was not checked against gets no fix.
  const pinned = providerVersionRefusal(index, rule, live);
  if (pinned) return outcome("refused", pinned);
  const plan = rule.fix(live, { index });
  if (plan.kind === "unfixable") return outcome("skipped", plan.reason);
  const patched = await patchPlan(engine, index, plan.files, batch);
  if (!patched.ok) return outcome("refused", patched.refusal);
  const { changes } = patched;
  // Re-scan the module with the patch applied.
  const patch = new Map(changes.map((c) => [c.file, c.after]));
  const afterIndex = tree.indexOf(dirs, patch);
  const after = scanIndex(afterIndex, rules);
  const afterIds = new Set(after.map(detectionId));
  const beforeIds = new Set(before.map(detectionId));
  if (afterIds.has(id)) return outcome("refused", "the re-scan still reports the finding after the patch");
  const introduced = [...afterIds].filter((x) => !beforeIds.has(x));
  if (introduced.length > 0)
    return outcome("refused", `the patch would introduce a new finding: ${introduced.join(", ")}`);
  // The re-scanned index is the tree as it now is, unless a new file joins it (files are then
  // listed in another order): the next fix in these directories starts from it.
  const created = changes.some((c) => !tree.current.has(c.file));
  Object.assign(last, created ? { dirs: undefined } : { index: afterIndex, scan: after });
  for (const c of changes) {
    if (batch) {
      if (!batch.saved.has(c.file)) batch.saved.set(c.file, tree.current.get(c.file));
      await c.accept?.();
    }
    tree.current.set(c.file, c.after);
    tree.track(c.file);
  }
  return outcome(
    "fixed",
    plan.summary,
    changes.map((c) => ({ file: c.file, diff: unifiedDiff(c.file, c.before, c.after) })),
    impactOn(rule, detection.resource.type),
  );
}

interface PlannedChange {
  file: string;
  before: string;
  after: string;
  /** In a batch: adds this change to its file's pending verification (once the fix is kept). */
  accept?: () => Promise<unknown>;
}

/** Each file of a plan patched: verified now, or (in a batch) formatted now and verified later. */
async function patchPlan(
  engine: Engine,
  index: TerraformIndex,
  files: Array<{ file: string; ops: EditOp[] }>,
  batch: Batch | undefined,
): Promise<{ ok: true; changes: PlannedChange[] } | { ok: false; refusal: string }> {
  const changes: PlannedChange[] = [];
  for (const { file, ops } of files) {
    if (isJsonSyntax(file))
      return {
        ok: false,
        refusal: `${file}: fixloop does not edit .tf.json files yet — apply the change by hand`,
      };
    const cannotWrite = await engine.refuseWrite(file);
    if (cannotWrite) return { ok: false, refusal: cannotWrite };
    const existing = engine.tree.current.get(file);
    let hcl: HclFile | undefined = index.files.get(file);
    if (!hcl && existing === undefined) hcl = { path: file, text: "", body: [] };
    // Variable files are indexed for their values only; a fix at a tfvars entry edits one.
    if (!hcl && existing !== undefined && file.endsWith(".tfvars")) hcl = tfvarsFile(file, existing);
    if (!hcl) return { ok: false, refusal: `${file} cannot be edited: it does not parse` };
    if (!batch) {
      const result = await patchFile(hcl, ops);
      if (!result.ok) return { ok: false, refusal: `${file}: ${result.reason}` };
      changes.push({ file, before: existing ?? "", after: result.after });
      continue;
    }
    let pending = batch.files.get(file);
    // A file formatted by an earlier fix of the batch is fmt-clean: that is checked on its final text.
    const wasClean = pending?.wasClean || (await wasFmtClean(hcl.text));
    const result = await applyEdits(hcl, ops, wasClean);
    if (!result.ok) return { ok: false, refusal: `${file}: ${result.reason}` };
    const target = hcl;
    changes.push({
      file,
      before: existing ?? "",
      after: result.after,
      accept: async () => {
        if (!pending) {
          pending = { wasClean, check: await startVerification(file, existing ?? "", wasClean) };
          batch.files.set(file, pending);
        }
        // A file that becomes fmt-clean part-way is held to fmt from then on, as one fix at a time.
        pending.wasClean ||= wasClean;
        await pending.check.add(target, ops);
      },
    });
  }
  return { ok: true, changes };
}

function tfvarsFile(path: string, text: string): HclFile | undefined {
  try {
    return parseHcl(path, text);
  } catch {
    return undefined;
  }
}
