// The remediation record of a finding: where the fix went (repository, branch, PR, commits), what
// it changed (files and diff), and who it was assigned to. Written by the PR step, read by evidence.

import { sql } from "kysely";
import { STATE_GROUPS } from "../lifecycle/states.ts";
import type { RemediationRow } from "./schema.ts";
import type { Db } from "./store.ts";

export interface Assignment {
  team: string | null;
  reviewers: string[];
  /** Which source decided the owner: finding, resource tags, CODEOWNERS, mapping, triage team. */
  decidedBy: string | null;
}

export interface RemediationInput {
  findingId: string;
  repository?: string | null;
  branch?: string | null;
  prNumber?: number | null;
  prUrl?: string | null;
  commitSha?: string | null;
  mergeCommitSha?: string | null;
  files: string[];
  diff: string;
  assignment: Assignment;
  prState?: PrState | null;
  fixFingerprint?: string | null;
  ownerTeam?: string | null;
  /** Where the fix located the finding: its file and resource address (associated PRs match on it). */
  located?: { file: string; address: string } | null;
}

/** The PR's own state: open, merged, or closed without merge. */
export type PrState = "open" | "merged" | "closed";

export interface Remediation extends RemediationInput {
  id: number;
  createdAt: string;
  updatedAt: string;
}

export async function recordRemediation(tx: Db, r: RemediationInput, now: number): Promise<number> {
  const row = await tx
    .insertInto("remediations")
    .values({
      finding_id: r.findingId,
      repository: r.repository ?? null,
      branch: r.branch ?? null,
      pr_number: r.prNumber ?? null,
      pr_url: r.prUrl ?? null,
      commit_sha: r.commitSha ?? null,
      merge_commit_sha: r.mergeCommitSha ?? null,
      files: JSON.stringify(r.files),
      diff: r.diff,
      assignment: JSON.stringify(r.assignment),
      pr_state: r.prState ?? null,
      fix_fingerprint: r.fixFingerprint ?? null,
      owner_team: r.ownerTeam ?? r.assignment.team ?? null,
      located_file: r.located?.file ?? null,
      located_address: r.located?.address || null,
      created_at: now,
      updated_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Later facts about the same remediation (the PR number once opened, the merge commit). */
export async function updateRemediation(
  tx: Db,
  /** One remediation, or several given the same patch (every finding on a PR, in one statement). */
  id: number | readonly number[],
  patch: Partial<
    Pick<
      RemediationInput,
      "prNumber" | "prUrl" | "commitSha" | "mergeCommitSha" | "diff" | "files" | "prState" | "fixFingerprint"
    >
  >,
  now: number,
): Promise<void> {
  await tx
    .updateTable("remediations")
    .set({
      ...(patch.prNumber !== undefined ? { pr_number: patch.prNumber } : {}),
      ...(patch.prUrl !== undefined ? { pr_url: patch.prUrl } : {}),
      ...(patch.commitSha !== undefined ? { commit_sha: patch.commitSha } : {}),
      ...(patch.mergeCommitSha !== undefined ? { merge_commit_sha: patch.mergeCommitSha } : {}),
      ...(patch.diff !== undefined ? { diff: patch.diff } : {}),
      ...(patch.files !== undefined ? { files: JSON.stringify(patch.files) } : {}),
      ...(patch.prState !== undefined ? { pr_state: patch.prState } : {}),
      ...(patch.fixFingerprint !== undefined ? { fix_fingerprint: patch.fixFingerprint } : {}),
      updated_at: now,
    })
    .where("id", "in", typeof id === "number" ? [id] : id)
    .execute();
}

export async function remediationsOf(db: Db, findingId: string): Promise<Remediation[]> {
  const rows = await db
    .selectFrom("remediations")
    .selectAll()
    .where("finding_id", "=", findingId)
    .orderBy("id")
    .execute();
  return rows.map(remediationFromRow);
}

export function remediationFromRow(r: RemediationRow): Remediation {
  return {
    id: r.id,
    findingId: r.finding_id,
    repository: r.repository,
    branch: r.branch,
    prNumber: r.pr_number,
    prUrl: r.pr_url,
    commitSha: r.commit_sha,
    mergeCommitSha: r.merge_commit_sha,
    files: JSON.parse(r.files) as string[],
    diff: r.diff,
    assignment: JSON.parse(r.assignment) as Assignment,
    prState: r.pr_state as PrState | null,
    fixFingerprint: r.fix_fingerprint,
    ownerTeam: r.owner_team,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** The finding's PR that is still open, if any (a finding has at most one). */
export async function openRemediationOf(db: Db, findingId: string): Promise<Remediation | undefined> {
  const row = await db
    .selectFrom("remediations")
    .selectAll()
    .where("finding_id", "=", findingId)
    .where("pr_state", "=", "open")
    .orderBy("id", "desc")
    .executeTakeFirst();
  return row && remediationFromRow(row);
}

/** A merged fix with everything verification and its notices need: repository, PR and merge commit. */
export type MergedRemediation = Remediation & {
  repository: string;
  prNumber: number;
  mergeCommitSha: string;
};

/** The finding's latest merged fixloop PR (the one verification checks and a regression reports on). */
export async function latestMergedRemediation(
  db: Db,
  findingId: string,
): Promise<MergedRemediation | undefined> {
  const row = await db
    .selectFrom("remediations")
    .selectAll()
    .where("finding_id", "=", findingId)
    .where("pr_state", "=", "merged")
    .where("merge_commit_sha", "is not", null)
    .where("repository", "is not", null)
    .where("pr_number", "is not", null)
    .orderBy("id", "desc")
    .executeTakeFirst();
  return row && (remediationFromRow(row) as MergedRemediation);
}

/** Every remediation a PR carries (several findings share one when grouping is on). */
export async function remediationsOfPr(db: Db, repository: string, prNumber: number): Promise<Remediation[]> {
  const rows = await db
    .selectFrom("remediations")
    .selectAll()
    .where("repository", "=", repository)
    .where("pr_number", "=", prNumber)
    .orderBy("id")
    .execute();
  return rows.map(remediationFromRow);
}

/** Open fixloop PRs (distinct PRs, not findings) in a repository and for a team, for the noise budget. */
export async function openPrCounts(
  db: Db,
  repository: string,
  team: string | null,
): Promise<{ repository: number; team: number }> {
  const count = async (column: "repository" | "owner_team", value: string) => {
    const row = await db
      .selectFrom("remediations")
      .select((eb) => eb.fn.count<number>(sql`distinct repository || '#' || pr_number`).as("n"))
      .where("pr_state", "=", "open")
      .where(column, "=", value)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  };
  return {
    repository: await count("repository", repository),
    team: team ? await count("owner_team", team) : 0,
  };
}

/** The open remediations on a branch of a repository (a group's PR), oldest first. */
export async function openRemediationsOnBranch(db: Db, repository: string, branch: string) {
  return db
    .selectFrom("remediations")
    .select(["pr_number", "finding_id"])
    .where("repository", "=", repository)
    .where("branch", "=", branch)
    .where("pr_state", "=", "open")
    .orderBy("id")
    .execute();
}

/** The findings merged as `sha` in the repository that are being verified. */
export async function verifyingFindingsOfCommit(db: Db, repository: string, sha: string): Promise<string[]> {
  const rows = await db
    .selectFrom("remediations")
    .innerJoin("findings", "findings.id", "remediations.finding_id")
    .select("remediations.finding_id as id")
    .distinct()
    .where("remediations.repository", "=", repository)
    .where("remediations.merge_commit_sha", "=", sha)
    .where("findings.state", "in", STATE_GROUPS.verifying)
    .execute();
  return rows.map((r) => r.id);
}

/** The team each resolved finding's latest fix was routed to (later rows win). */
export async function routedTeamsOfResolved(db: Db) {
  return db
    .selectFrom("remediations")
    .select(["finding_id", "owner_team"])
    .where("owner_team", "is not", null)
    .where(
      "finding_id",
      "in",
      db.selectFrom("audit_events").select("finding_id").where("to_state", "=", "resolved"),
    )
    .orderBy("id")
    .execute();
}
