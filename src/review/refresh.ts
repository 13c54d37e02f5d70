// A finding resolved (or excepted, suppressed) or reopened after a person's PR was reviewed: the
// PR's comment and label follow without waiting for its next push. The `pr-review-refresh` job
// (queued with the state change, src/lifecycle/apply.ts) runs this: a finding that closed leaves
// the lists of the PRs that showed it, no GitHub read needed; a finding that reopened is matched
// again against the diff of each open PR changing its file (the files list and the head file).

import { repoRefOf } from "../github/platform.ts";
import {
  type AssociatedPr,
  associatedPrsFor,
  findingPlace,
  type LocatedFinding,
  openFindingsInFiles,
} from "../store/associated-prs.ts";
import { matchAssociated } from "./associated.ts";
import { MAX_PR_FILES, type ReviewEnv } from "./env.ts";
import { syncPrReview } from "./pr-state.ts";

/** Brings every open PR concerned by `findingId` in line; returns the PR numbers it looked at. */
export async function refreshAssociatedPrs(env: ReviewEnv, findingId: string): Promise<number[]> {
  const { db } = env.store;
  const place = await findingPlace(db, findingId);
  if (!place) return [];
  const prs = await associatedPrsFor(db, place.repository, { id: findingId, file: place.file });
  if (prs.length === 0) return [];
  const platform = await env.platform(place.installationId);
  const repository = repoRefOf(place.repository);
  for (const pr of prs) {
    const matched = await stillTouched(env, pr, findingId, platform);
    const target = {
      installationId: place.installationId,
      repository,
      number: pr.number,
      headSha: pr.headSha,
    };
    await syncPrReview(
      env,
      platform,
      { ...target, labels: null },
      { matched, scanReview: pr.scanReview, tfFiles: pr.tfFiles ?? [] },
      pr,
    );
  }
  return prs.map((p) => p.number);
}

/**
 * The open findings the PR touches now: those it listed that are still open; when `findingId` is
 * open again and not listed (or the PR's files were not recorded), its diff is read again.
 */
async function stillTouched(
  env: ReviewEnv,
  pr: AssociatedPr,
  findingId: string,
  platform: Awaited<ReturnType<ReviewEnv["platform"]>>,
): Promise<LocatedFinding[]> {
  const open = pr.tfFiles ? await openFindingsInFiles(env.store.db, pr.repository, pr.tfFiles) : [];
  const reopened = open.some((f) => f.id === findingId) && !pr.findingIds.includes(findingId);
  if (pr.tfFiles && !reopened) return open.filter((f) => pr.findingIds.includes(f.id));
  const repository = repoRefOf(pr.repository);
  const { files } = await platform.pullRequestFiles(repository, pr.number, MAX_PR_FILES);
  return matchAssociated(env, platform, { repository, headSha: pr.headSha }, files);
}
