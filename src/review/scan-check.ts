// The `fixloop/scan` check run on a person's pull request: the Terraform of the directories the PR
// changes (and the local modules they call), at base and head, fetched through the platform (one
// request for those directories at both refs, their blobs' texts included), indexed in the
// sandbox, scanned with the catalog; what the head introduces is annotated on its exact lines with the fix as a suggestion.

import { posix } from "node:path";
import { isRuleEnabled, type RepoConfig } from "../config/repo-config.ts";
import { mdCode } from "../github/markdown.ts";
import {
  type CheckAnnotation,
  fullName,
  type Platform,
  type PullRequestFile,
  type RepoFile,
} from "../github/platform.ts";
import type { SourceFile, TerraformIndex } from "../hcl/index.ts";
import { fixDetections } from "../rules/fix.ts";
import { configuredRules, ruleById } from "../rules/registry.ts";
import { scanIndex, scanWithSuppressions } from "../rules/scan.ts";
import { type Detection, detectionId, type Rule } from "../rules/types.ts";
import { isoDay } from "../suppress/apply.ts";
import { suppressionsInText } from "../suppress/comments.ts";
import { isTerraform, MAX_PR_FILE_BYTES, type PrEvent, type ReviewEnv } from "./env.ts";
import {
  annotationFor,
  atOrAbove,
  introducedDetections,
  needsSecurityReview,
  type ScanConclusion,
  scanConclusion,
  tierOf,
} from "./introduced.ts";

export const SCAN_CHECK_NAME = "fixloop/scan";
/** Most Terraform files fetched per side of a PR (changed directories and their modules). */
export const MAX_SCAN_FILES = 200;
/** GitHub accepts 50 annotations per request; more are counted in the summary. */
const MAX_ANNOTATIONS = 50;

export interface ScanOutcome {
  conclusion: ScanConclusion;
  introduced: Detection[];
  /** A new detection reaches `securityReview.tiers`. */
  securityReview: boolean;
  /** The head's texts the scan fetched (path → text): the associated-findings mapping reuses them. */
  headTexts: ReadonlyMap<string, string>;
}

/** Runs the scan and reports it as the check run on the PR's head. */
export async function runPrScan(
  env: ReviewEnv,
  platform: Platform,
  event: PrEvent,
  files: readonly PullRequestFile[],
  config: RepoConfig,
): Promise<ScanOutcome> {
  const rules = configuredRules(config.rules.options).filter((r) => isRuleEnabled(config, r.id));
  const dirs = changedDirs(files);
  const scan = dirs.length === 0 ? null : await scanBothSides(env, platform, event, dirs, rules);
  const introduced = scan ? introducedDetections(scan.head, scan.base) : [];
  const tiers = introduced.map((d) => tierOf(ruleById(d.ruleId) as Rule));
  const conclusion = scanConclusion(tiers, config.prScan);
  const annotations = scan ? await annotate(scan, introduced, rules, config) : [];
  await platform.createCheckRun(event.repository, {
    name: SCAN_CHECK_NAME,
    headSha: event.headSha,
    conclusion,
    completedAt: new Date(env.store.now()).toISOString(),
    output: {
      title: introduced.length === 0 ? "No new findings" : `${introduced.length} new finding(s)`,
      summary: scanSummary(dirs, introduced, scan?.notes ?? []),
      ...(annotations.length > 0 ? { annotations: annotations.slice(0, MAX_ANNOTATIONS) } : {}),
    },
  });
  const headTexts = new Map((scan?.headSources ?? []).filter((f) => !f.skipped).map((f) => [f.path, f.text]));
  return { conclusion, introduced, securityReview: needsSecurityReview(tiers, config), headTexts };
}

/** The directories of the PR's changed Terraform files (old and new paths). */
export function changedDirs(files: readonly PullRequestFile[]): string[] {
  const dirs = new Set<string>();
  for (const f of files)
    for (const p of [f.path, f.previousPath]) if (p && isTerraform(p)) dirs.add(posix.dirname(p));
  return [...dirs].sort();
}

interface BothSides {
  head: Detection[];
  base: Detection[];
  headSources: SourceFile[];
  headIndex: TerraformIndex;
  notes: string[];
}

async function scanBothSides(
  env: ReviewEnv,
  platform: Platform,
  event: PrEvent,
  dirs: string[],
  rules: readonly Rule[],
): Promise<BothSides> {
  const notes: string[] = [];
  const { head, base } = await fetchWithModules(env, platform, event, dirs, notes);
  const baseIndex = await env.indexFiles(
    fullName(event.repository),
    base.map(source),
    `pr-base:${event.baseSha}:${event.number}`,
  );
  const suppressions = head.sources.flatMap((s) => suppressionsInText(s.path, s.text));
  const today = isoDay(new Date(env.store.now()));
  return {
    head: scanWithSuppressions(head.index, rules, suppressions, today).active,
    base: scanIndex(baseIndex, rules),
    headSources: head.sources,
    headIndex: head.index,
    notes,
  };
}

/**
 * The files of `dirs` at head and base in one request, then — when the head calls local modules
 * outside them (one level) — those modules' files at both refs in one more.
 */
async function fetchWithModules(
  env: ReviewEnv,
  platform: Platform,
  event: PrEvent,
  dirs: string[],
  notes: string[],
): Promise<{ head: { sources: SourceFile[]; index: TerraformIndex }; base: RepoFile[] }> {
  const repository = fullName(event.repository);
  let [head, base] = await fetchSides(platform, event, dirs, notes);
  let index = await env.indexFiles(repository, head.map(source), `pr-head:${event.headSha}`);
  const modules = [...new Set(index.calls.flatMap((c) => (c.sourceDir ? [c.sourceDir] : [])))].filter(
    (d) => !dirs.includes(d),
  );
  if (modules.length > 0) {
    const [moduleHead, moduleBase] = await fetchSides(platform, event, modules, notes);
    head = [...head, ...moduleHead];
    base = [...base, ...moduleBase];
    index = await env.indexFiles(repository, head.map(source), `pr-head:${event.headSha}:modules`);
  }
  return { head: { sources: head.map(source), index }, base };
}

const source = (f: RepoFile): SourceFile =>
  f.skipped ? { path: f.path, text: "", skipped: f.skipped } : { path: f.path, text: f.text };

async function fetchSides(
  platform: Platform,
  event: PrEvent,
  dirs: string[],
  notes: string[],
): Promise<[RepoFile[], RepoFile[]]> {
  const refs = [event.headSha, event.baseSha];
  const sides = await platform.directoriesAt(event.repository, refs, dirs, {
    files: MAX_SCAN_FILES,
    bytes: MAX_PR_FILE_BYTES,
  });
  sides.forEach((side, i) => {
    if (side.truncated)
      notes.push(`only the first ${MAX_SCAN_FILES} Terraform files at ${refs[i]?.slice(0, 7)} were scanned`);
  });
  return [sides[0]?.files ?? [], sides[1]?.files ?? []];
}

/** Annotations for the introduced detections, each with its own fix's diff when the rule has one. */
async function annotate(
  scan: BothSides,
  introduced: Detection[],
  rules: readonly Rule[],
  config: RepoConfig,
): Promise<CheckAnnotation[]> {
  if (introduced.length === 0) return [];
  const shown = introduced.slice(0, MAX_ANNOTATIONS);
  const run = await fixDetections(scan.headSources, shown, rules, scan.headIndex);
  const byId = new Map(run.outcomes.map((o) => [detectionId(o.detection), o]));
  return shown.map((d) => {
    const rule = ruleById(d.ruleId) as Rule;
    const outcome = byId.get(detectionId(d));
    const diff = outcome?.status === "fixed" ? outcome.changes.map((c) => c.diff).join("") : "";
    const fix = diff ? { diff } : { unfixable: outcome?.reason ?? "the rule has no fix" };
    return annotationFor(d, rule, fix, atOrAbove(tierOf(rule), config.prScan.failAt));
  });
}

function scanSummary(
  dirs: readonly string[],
  introduced: readonly Detection[],
  notes: readonly string[],
): string {
  const where =
    dirs.length === 0
      ? "The pull request changes no Terraform."
      : `Scanned ${dirs.map((d) => mdCode(d)).join(", ")} at base and head.`;
  const what =
    introduced.length === 0
      ? "It introduces no finding of fixloop's rule catalog."
      : `It introduces ${introduced.length} finding(s): ${introduced
          .map(
            (d) => `${d.ruleId} on ${mdCode(d.resource.address)} (${mdCode(`${d.resource.file}:${d.line}`)})`,
          )
          .join("; ")}.`;
  const more = introduced.length > MAX_ANNOTATIONS ? ` The first ${MAX_ANNOTATIONS} are annotated.` : "";
  return [where, `${what}${more}`, ...notes.map((n) => `Note: ${n}.`)].join("\n\n");
}
