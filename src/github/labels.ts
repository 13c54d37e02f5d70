// The labels on a fixloop pull request: which ones (a pure decision from the risk tier and the
// repository configuration) and making sure they exist with fixloop's colours and descriptions
// (GitHub would otherwise create a missing label grey and without a description when it is added).

import type { RepoConfig } from "../config/repo-config.ts";
import type { Tier } from "../triage/risk.ts";
import { fullName, type GitHub, type RepoRef } from "./client.ts";

export interface LabelSpec {
  /** Hex colour without "#", as the GitHub API takes it. */
  color: string;
  /** At most 100 characters (GitHub's limit). */
  description: string;
}

export const LABELS: Readonly<Record<string, LabelSpec>> = {
  security: { color: "b60205", description: "Security finding or fix" },
  fixloop: {
    color: "5319e7",
    description: "Opened by fixloop: an automated fix for a cloud-security finding",
  },
  "risk:critical": { color: "b60205", description: "True Risk tier critical: fix first" },
  "risk:high": { color: "d93f0b", description: "True Risk tier high" },
  "risk:medium": { color: "fbca04", description: "True Risk tier medium" },
  "risk:low": { color: "0e8a16", description: "True Risk tier low" },
  "security-review-required": {
    color: "e99695",
    description: "A security reviewer must approve this change before it is merged",
  },
  "sla-breached": { color: "b60205", description: "Past its SLA due date: escalated to the security team" },
};

/** A label fixloop does not define (one from `labels.add`, or a renamed review label). */
const OTHER_LABEL: LabelSpec = { color: "ededed", description: "Added by fixloop" };

export function labelSpec(name: string): LabelSpec {
  return Object.hasOwn(LABELS, name) ? LABELS[name]! : OTHER_LABEL;
}

export function riskLabel(tier: Tier): string {
  return `risk:${tier}`;
}

/**
 * The labels for a pull request, in order and without repeats: the configured `labels.add`, the
 * risk tier's label when `labels.riskTier` is on, and the security review label when the tier is in
 * `securityReview.tiers` or the change has impact notes and `securityReview.impactNotes` is on.
 */
export function labelsFor(input: { tier: Tier; impactNotes: boolean }, config: RepoConfig): string[] {
  const names = [...config.labels.add];
  if (config.labels.riskTier) names.push(riskLabel(input.tier));
  const review = config.securityReview;
  if (review.tiers.includes(input.tier) || (input.impactNotes && review.impactNotes))
    names.push(review.label);
  return [...new Set(names)];
}

/** GitHub label names are unique regardless of case. */
const cacheKey = (repo: RepoRef, name: string) => `${fullName(repo)}\u0000${name}`.toLowerCase();

function isAlreadyExists(error: unknown): boolean {
  const e = error as { status?: number; response?: { data?: { errors?: Array<{ code?: string }> } } };
  return e?.status === 422 && (e.response?.data?.errors ?? []).some((x) => x.code === "already_exists");
}

/**
 * Creates the labels of `names` that the repository does not have yet. `cache` remembers labels
 * known to exist, keyed by repository and name, so a warm repository costs no request; a cold one
 * costs one listing (a page per 100 labels) plus one request per missing label. A label created
 * meanwhile by someone else (422 already_exists) counts as existing. A label deleted after it was
 * cached is not recreated here: GitHub then creates it, without colour, when it is added.
 */
export async function ensureLabels(
  gh: GitHub,
  repo: RepoRef,
  names: readonly string[],
  cache: Set<string>,
): Promise<void> {
  const wanted = [...new Set(names)].filter((name) => !cache.has(cacheKey(repo, name)));
  if (wanted.length === 0) return;
  const existing = await gh.paginate(gh.rest.issues.listLabelsForRepo, { ...repo, per_page: 100 });
  for (const label of existing) cache.add(cacheKey(repo, label.name));
  for (const name of wanted) {
    if (cache.has(cacheKey(repo, name))) continue;
    const spec = labelSpec(name);
    try {
      await gh.rest.issues.createLabel({ ...repo, name, color: spec.color, description: spec.description });
    } catch (error) {
      if (!isAlreadyExists(error)) {
        const status = (error as { status?: number }).status;
        const hint =
          status === 403 || status === 404
            ? ": fixloop needs write access to issues or pull requests there"
            : "";
        throw new Error(
          `could not create the label ${JSON.stringify(name)} in ${fullName(repo)}${status ? ` (HTTP ${status})` : ""}${hint}`,
          { cause: error },
        );
      }
    }
    cache.add(cacheKey(repo, name));
  }
}
