// The `pull_request` opened/synchronize/reopened handler: a person's PR is mapped to the open
// findings it touches (./associated.ts). fixloop's own fix PRs are left alone, and a redelivered
// event acts once (its delivery id is recorded after the work is done).

import { checkExceptionsPullRequest } from "../app/exceptions-check.ts";
import { EXCEPTIONS_PATH } from "../config/exceptions-file.ts";
import { fullName, type Platform, type PullRequestFile } from "../github/platform.ts";
import { isFixPullRequest } from "../store/associated-prs.ts";
import { deliverySeen, firstDelivery } from "../store/deliveries.ts";
import { reviewAssociatedPr } from "./associated.ts";
import { isTerraform, MAX_PR_FILES, type PrEvent, type ReviewEnv } from "./env.ts";
import type { AssociatedOutcome } from "./pr-state.ts";
import { runPrScan, type ScanOutcome } from "./scan-check.ts";

export type PullRequestOutcome =
  | { kind: "redelivery" }
  | { kind: "own" }
  | { kind: "reviewed"; associated: AssociatedOutcome; scan: ScanOutcome | null; filesTruncated: boolean };

/** fixloop's PR body carries this marker (src/github/pr-body.ts); with a bot author, it is fixloop's. */
const FIX_PR_MARKER = "<!-- fixloop:finding=";

async function isFixloopPr(env: ReviewEnv, event: PrEvent): Promise<boolean> {
  if (event.author.type === "Bot" && (event.body ?? "").includes(FIX_PR_MARKER)) return true;
  return isFixPullRequest(env.store.db, fullName(event.repository), event.number);
}

export async function onPullRequest(env: ReviewEnv, event: PrEvent): Promise<PullRequestOutcome> {
  const { db } = env.store;
  if (await deliverySeen(db, event.deliveryId)) return { kind: "redelivery" };
  if (await isFixloopPr(env, event)) {
    await firstDelivery(db, event.deliveryId, "pull_request", env.store.now());
    return { kind: "own" };
  }
  const platform = await env.platform(event.installationId);
  const { files, truncated } = await platform.pullRequestFiles(event.repository, event.number, MAX_PR_FILES);
  await checkExceptionsFileIfChanged(env, platform, event, files);
  const scan = await scanIfEnabled(env, platform, event, files);
  // One decision for the label: the associated findings or the scan's new ones (./pr-state.ts).
  const associated = await reviewAssociatedPr(env, platform, event, files, scan);
  // Recorded last: a delivery that failed half-way is finished by GitHub's redelivery.
  await firstDelivery(db, event.deliveryId, "pull_request", env.store.now());
  return { kind: "reviewed", associated, scan, filesTruncated: truncated };
}

/**
 * The segregation-of-duties check of `.github/fixloop-exceptions.yml` (src/app/exceptions-check.ts),
 * only when the PR changes that file: the files listed once serve every PR check.
 */
async function checkExceptionsFileIfChanged(
  env: ReviewEnv,
  platform: Platform,
  event: PrEvent,
  files: readonly PullRequestFile[],
): Promise<void> {
  if (!files.some((f) => f.path === EXCEPTIONS_PATH || f.previousPath === EXCEPTIONS_PATH)) return;
  const parsed = await env.repoConfig(event.installationId, event.repository);
  if (!parsed.ok) return;
  await checkExceptionsPullRequest(env.store, platform, parsed.config, {
    repository: event.repository,
    number: event.number,
    author: event.author.login,
    headSha: event.headSha,
    baseSha: event.baseSha,
  });
}

/** The `fixloop/scan` check run, when `prScan.enabled` and the PR changes Terraform. */
async function scanIfEnabled(
  env: ReviewEnv,
  platform: Platform,
  event: PrEvent,
  files: readonly PullRequestFile[],
): Promise<ScanOutcome | null> {
  // A PR that changes no Terraform gets no fixloop/scan check run: there is nothing to report.
  if (!files.some((f) => [f.path, f.previousPath].some((p) => p !== undefined && isTerraform(p))))
    return null;
  const parsed = await env.repoConfig(event.installationId, event.repository);
  if (!parsed.ok || !parsed.config.prScan.enabled) return null;
  return runPrScan(env, platform, event, files, parsed.config);
}
