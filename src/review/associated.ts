// A person's pull request that touches resources with open findings: fixloop maps the PR's changed
// Terraform blocks to the open findings located there, labels the PR for security review, asks the
// security team, and keeps one comment listing those findings — taken back when a later push no
// longer touches them or they are resolved. One delivery acts once.

import type { RepoConfig } from "../config/repo-config.ts";
import { fullName, type Platform, type PullRequestFile } from "../github/platform.ts";
import type { SourceFile } from "../hcl/index.ts";
import {
  type AssociatedPr,
  associatedPr,
  type LocatedFinding,
  openFindingsInFiles,
  saveAssociatedPr,
} from "../store/associated-prs.ts";
import { ASSOCIATED_MARKER, associatedComment } from "./associated-comment.ts";
import { changedLines, touchedAddresses } from "./changed-lines.ts";
import { isTerraform, MAX_PR_FILE_BYTES, type PrEvent, type ReviewEnv } from "./env.ts";

export type AssociatedOutcome =
  | { kind: "none" }
  | { kind: "unchanged"; findingIds: string[] }
  | { kind: "updated"; findingIds: string[] }
  | { kind: "config-invalid" };

/** Maps the PR to open findings and brings its label, review request and comment up to date. */
export async function reviewAssociatedPr(
  env: ReviewEnv,
  platform: Platform,
  event: PrEvent,
  files: readonly PullRequestFile[],
  /** The security-review label is on the PR already / must stay on (the scan asked for it). */
  label: { on: boolean; keep: boolean },
  /** Head texts already fetched (by the scan): not fetched again. */
  known: ReadonlyMap<string, string> = new Map(),
): Promise<AssociatedOutcome> {
  const repository = fullName(event.repository);
  const terraform = files.filter(
    (f) => isTerraform(f.path) || (f.previousPath && isTerraform(f.previousPath)),
  );
  const paths = terraform.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path]));
  const candidates = await openFindingsInFiles(env.store.db, repository, paths);
  const previous = await associatedPr(env.store.db, repository, event.number);
  if (candidates.length === 0 && !previous?.labelled && !previous?.commented) return { kind: "none" };
  const matched =
    candidates.length > 0
      ? await touchedFindings(env, platform, event, { terraform, candidates, known })
      : [];
  const ids = matched.map((f) => f.id).sort();
  if (previous && sameIds(previous.findingIds, ids) && (ids.length > 0 || !previous.labelled))
    return { kind: "unchanged", findingIds: ids };
  if (ids.length === 0 && !previous) return { kind: "none" };
  const parsed = await env.repoConfig(event.installationId, event.repository);
  if (!parsed.ok) return { kind: "config-invalid" };
  const next = await bringUpToDate(env, platform, event, { config: parsed.config, matched, previous, label });
  await saveAssociatedPr(env.store.db, next, env.store.now());
  return { kind: "updated", findingIds: ids };
}

const sameIds = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((id, i) => id === b[i]);

/** The label, review request and comment for `matched`, changing only what differs from `previous`. */
async function bringUpToDate(
  env: ReviewEnv,
  platform: Platform,
  event: PrEvent,
  s: {
    config: RepoConfig;
    matched: LocatedFinding[];
    previous: AssociatedPr | null;
    label: { on: boolean; keep: boolean };
  },
): Promise<AssociatedPr> {
  const { config, matched, previous } = s;
  const label = config.securityReview.label;
  const team = config.securityTeam;
  const { repository, number } = event;
  if (matched.length > 0) {
    if (!previous?.labelled && !s.label.on) await platform.addLabels(repository, number, [label]);
    if (team && !previous?.labelled) {
      const refused = await platform.requestReview(repository, number, { teams: [team], users: [] });
      if (refused)
        env.log.warn(
          { pr: number, repository: fullName(repository), refused },
          "security review not requested",
        );
    }
  } else if (previous?.labelled && !s.label.keep) await platform.removeLabel(repository, number, label);
  const body = associatedComment({ host: env.host, findings: matched, label, securityTeam: team });
  await platform.ensureComment({ repository, number, marker: ASSOCIATED_MARKER, body });
  return {
    repository: fullName(repository),
    number,
    findingIds: matched.map((f) => f.id).sort(),
    labelled: matched.length > 0,
    commented: true,
    headSha: event.headSha,
  };
}

/**
 * The candidates whose block the PR changes: a removed file touches all of its findings; a file
 * without a readable patch too; otherwise the head's blocks that changed lines fall in (read in
 * the sandbox), and a finding whose block is gone from the head (deleted or renamed).
 */
async function touchedFindings(
  env: ReviewEnv,
  platform: Platform,
  event: PrEvent,
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
