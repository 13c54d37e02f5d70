// What fixloop shows on a person's pull request, brought in line with what it now knows: the
// `securityReview.label` label for either reason — the PR touches open findings (./associated.ts),
// or the `fixloop/scan` check found a new finding that needs review (./scan-check.ts) — taken off
// only when neither remains and only if fixloop put it on; the security team asked once; one
// comment listing the associated findings, edited in place by its remembered id. Used by the
// pull_request webhook and by the job that follows a finding's resolution or reopening.

import type { RepoConfig } from "../config/repo-config.ts";
import { fullName, type Platform, type RepoRef } from "../github/platform.ts";
import { type AssociatedPr, type LocatedFinding, saveAssociatedPr } from "../store/associated-prs.ts";
import { ASSOCIATED_MARKER, associatedComment } from "./associated-comment.ts";
import type { ReviewEnv } from "./env.ts";

export type AssociatedOutcome =
  | { kind: "none" }
  | { kind: "unchanged"; findingIds: string[] }
  | { kind: "updated"; findingIds: string[] }
  | { kind: "config-invalid" };

export interface ReviewTarget {
  installationId: number | null;
  repository: RepoRef;
  number: number;
  headSha: string;
  /** The PR's labels as a delivery lists them; null when not known (a job): fixloop's record decides,
   *  and GitHub is asked before fixloop puts the label on (isListed). */
  labels: readonly string[] | null;
}

export interface ReviewFacts {
  matched: LocatedFinding[];
  /** A new finding of the scan check needs security review. */
  scanReview: boolean;
  tfFiles: string[];
}

const sameIds = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((id, i) => id === b[i]);

/** Changes on GitHub only what differs from `previous`, then records the new state. */
export async function syncPrReview(
  env: ReviewEnv,
  platform: Platform,
  pr: ReviewTarget,
  facts: ReviewFacts,
  previous: AssociatedPr | null,
): Promise<AssociatedOutcome> {
  const ids = facts.matched.map((f) => f.id).sort();
  const want = ids.length > 0 || facts.scanReview;
  const comment =
    !sameIds(previous?.findingIds ?? [], ids) && (ids.length > 0 || previous?.commented === true);
  const askTeam = ids.length > 0 && !previous?.labelled;
  const next: AssociatedPr = {
    repository: fullName(pr.repository),
    number: pr.number,
    findingIds: ids,
    labelled: ids.length > 0,
    commented: previous?.commented ?? false,
    headSha: pr.headSha,
    commentId: previous?.commentId ?? null,
    scanReview: facts.scanReview,
    labelOwned: false,
    tfFiles: facts.tfFiles,
  };
  const quiet = (): Promise<AssociatedOutcome> => record(env, next, previous);
  // Nothing to say and no label to look at: no configuration read, no request.
  if (!comment && !askTeam && !want && !previous?.labelOwned) return quiet();
  const parsed = await env.repoConfig(pr.installationId, pr.repository);
  if (!parsed.ok) return { kind: "config-invalid" };
  const { config } = parsed;
  const name = config.securityReview.label;
  const label = labelStep(await isListed(platform, pr, name, want, previous), want, previous);
  next.labelOwned = label.owned;
  if (!comment && !askTeam && label.act === null) return quiet();
  if (label.act === "add") await platform.addLabels(pr.repository, pr.number, [name]);
  if (askTeam) await askSecurityTeam(env, platform, pr, config);
  if (label.act === "remove") await platform.removeLabel(pr.repository, pr.number, name);
  if (comment) {
    const body = associatedComment({
      host: env.host,
      findings: facts.matched,
      label: name,
      securityTeam: config.securityTeam,
      labelRemoved: label.act === "remove",
    });
    Object.assign(next, await keepComment(env, platform, pr, body, next, previous?.findingIds ?? []));
  }
  await saveAssociatedPr(env.store.db, next, env.store.now());
  return { kind: "updated", findingIds: ids };
}

/** Records what changed in fixloop's view only (the head, the files, a reason) without a request. */
async function record(
  env: ReviewEnv,
  next: AssociatedPr,
  previous: AssociatedPr | null,
): Promise<AssociatedOutcome> {
  if (previous || (next.tfFiles ?? []).length > 0)
    await saveAssociatedPr(env.store.db, next, env.store.now());
  return previous && (next.findingIds.length > 0 || previous.commented)
    ? { kind: "unchanged", findingIds: next.findingIds }
    : { kind: "none" };
}

/**
 * Whether the PR has the label: as the delivery lists it; in a job (no delivery), null — fixloop's
 * record decides — except where fixloop would put it on, and so call it its own: a person may have
 * put it on since fixloop last saw the PR (GitHub sends no delivery for that), so it asks GitHub.
 */
async function isListed(
  platform: Platform,
  pr: ReviewTarget,
  name: string,
  want: boolean,
  previous: AssociatedPr | null,
): Promise<boolean | null> {
  if (pr.labels) return pr.labels.includes(name);
  if (labelStep(null, want, previous).act !== "add") return null;
  return (await platform.issueLabels(pr.repository, pr.number)).includes(name);
}

/**
 * Whether the label goes on or comes off, and whether fixloop owns it after: on when wanted and
 * not there; off when no reason remains and fixloop put it on; a label a person put on before
 * fixloop wanted it stays theirs. `on`: whether the delivery lists it (null, in a job: the label
 * is there if fixloop wanted it before, or put it on).
 */
function labelStep(
  listed: boolean | null,
  want: boolean,
  previous: AssociatedPr | null,
): { act: "add" | "remove" | null; owned: boolean } {
  const owned = previous?.labelOwned ?? false;
  const wantedBefore = previous ? previous.labelled || previous.scanReview : false;
  const on = listed ?? (owned || wantedBefore);
  if (want) return on ? { act: null, owned } : { act: "add", owned: true };
  return { act: owned && on ? "remove" : null, owned: false };
}

async function askSecurityTeam(env: ReviewEnv, platform: Platform, pr: ReviewTarget, config: RepoConfig) {
  const team = config.securityTeam;
  if (!team) return;
  const refused = await platform.requestReview(pr.repository, pr.number, { teams: [team], users: [] });
  if (refused)
    env.log.warn(
      { pr: pr.number, repository: fullName(pr.repository), refused },
      "security review not requested",
    );
}

/**
 * Edits fixloop's comment by its remembered id, or posts it without listing the PR's comments when
 * fixloop never posted one. "Posting" is recorded first: if the process dies after GitHub took the
 * comment, the retry looks for it (by its marker) instead of posting a second.
 */
async function keepComment(
  env: ReviewEnv,
  platform: Platform,
  pr: ReviewTarget,
  body: string,
  next: AssociatedPr,
  shown: string[],
): Promise<Pick<AssociatedPr, "commented" | "commentId">> {
  const known = next.commentId ?? (next.commented ? undefined : null);
  // The list it showed stays the previous one until the comment is known to say the new one.
  if (known === null)
    await saveAssociatedPr(
      env.store.db,
      { ...next, findingIds: shown, commented: true, commentId: null },
      env.store.now(),
    );
  const { id } = await platform.ensureComment({
    repository: pr.repository,
    number: pr.number,
    marker: ASSOCIATED_MARKER,
    body,
    ...(known === undefined ? {} : { known }),
  });
  return { commented: true, commentId: id };
}
