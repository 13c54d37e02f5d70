// A person's pull request that touches resources with open findings: fixloop maps the PR's changed
// Terraform blocks to the open findings located there; ./pr-state.ts labels the PR for security
// review, asks the security team, and keeps one comment listing those findings — taken back when a
// later push no longer touches them or they are resolved. One delivery acts once.

import { fullName, type Platform, type PullRequestFile, type RepoRef } from "../github/platform.ts";
import type { SourceFile } from "../hcl/index.ts";
import { associatedPr, type LocatedFinding, openFindingsInFiles } from "../store/associated-prs.ts";
import { changedLines, touchedAddresses } from "./changed-lines.ts";
import { isTerraform, MAX_PR_FILE_BYTES, type PrEvent, type ReviewEnv } from "./env.ts";
import { type AssociatedOutcome, syncPrReview } from "./pr-state.ts";

/** The PR's changed Terraform paths (new and old names). */
export function terraformPaths(files: readonly PullRequestFile[]): string[] {
  const terraform = files.filter(
    (f) => isTerraform(f.path) || (f.previousPath && isTerraform(f.previousPath)),
  );
  return terraform.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path]));
}

/** The open findings whose blocks the PR changes ([] without a request when none is in its files). */
export async function matchAssociated(
  env: ReviewEnv,
  platform: Platform,
  pr: { repository: RepoRef; headSha: string },
  files: readonly PullRequestFile[],
  /** Head texts already fetched (by the scan): not fetched again. */
  known: ReadonlyMap<string, string> = new Map(),
): Promise<LocatedFinding[]> {
  const candidates = await openFindingsInFiles(env.store.db, fullName(pr.repository), terraformPaths(files));
  if (candidates.length === 0) return [];
  const terraform = files.filter(
    (f) => isTerraform(f.path) || (f.previousPath && isTerraform(f.previousPath)),
  );
  return touchedFindings(env, platform, pr, { terraform, candidates, known });
}

/** Maps the PR to open findings and brings its label, review request and comment up to date. */
export async function reviewAssociatedPr(
  env: ReviewEnv,
  platform: Platform,
  event: PrEvent,
  files: readonly PullRequestFile[],
  scan: { securityReview: boolean; headTexts: ReadonlyMap<string, string> } | null,
): Promise<AssociatedOutcome> {
  const previous = await associatedPr(env.store.db, fullName(event.repository), event.number);
  const matched = await matchAssociated(env, platform, event, files, scan?.headTexts);
  return syncPrReview(
    env,
    platform,
    { ...event, labels: event.labels },
    { matched, scanReview: scan?.securityReview ?? false, tfFiles: terraformPaths(files) },
    previous,
  );
}

/**
 * The candidates whose block the PR changes: a removed file touches all of its findings; a file
 * without a readable patch too; otherwise the head's blocks that changed lines fall in (read in
 * the sandbox), and a finding whose block is gone from the head (deleted or renamed).
 */
async function touchedFindings(
  env: ReviewEnv,
  platform: Platform,
  event: { repository: RepoRef; headSha: string },
  s: {
    terraform: readonly PullRequestFile[];
    candidates: readonly LocatedFinding[];
    known: ReadonlyMap<string, string>;
  },
): Promise<LocatedFinding[]> {
  const { terraform, candidates, known } = s;
  const touched: LocatedFinding[] = [];
  for (const file of terraform) {
    const here = candidates.filter((c) => c.file === file.path || c.file === file.previousPath);
    if (here.length === 0) continue;
    const lines = file.patch !== undefined ? changedLines(file.patch) : null;
    if (file.status === "removed" || file.previousPath !== undefined || !lines) {
      touched.push(...here);
      continue;
    }
    const cached = known.get(file.path);
    const head =
      cached !== undefined
        ? { path: file.path, text: cached }
        : await platform.fileAt(event.repository, event.headSha, file.path, MAX_PR_FILE_BYTES);
    if (!head || ("skipped" in head && head.skipped)) {
      touched.push(...here);
      continue;
    }
    const source: SourceFile = { path: file.path, text: head.text };
    const index = await env.indexFiles(
      fullName(event.repository),
      [source],
      `pr:${event.headSha}:${file.path}`,
    );
    const addresses = touchedAddresses(index.resources, file.path, lines);
    const present = new Set(index.resources.map((r) => r.address));
    for (const c of here)
      if (!c.address || addresses.has(c.address) || !present.has(c.address)) touched.push(c);
  }
  return touched;
}
