// The remediation record of a finding: where the fix went (repository, branch, PR, commits), what
// it changed (files and diff), and who it was assigned to. Written by the PR step, read by evidence.

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
}

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
  id: number,
  patch: Partial<
    Pick<RemediationInput, "prNumber" | "prUrl" | "commitSha" | "mergeCommitSha" | "diff" | "files">
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
      updated_at: now,
    })
    .where("id", "=", id)
    .execute();
}

export async function remediationsOf(db: Db, findingId: string): Promise<Remediation[]> {
  const rows = await db
    .selectFrom("remediations")
    .selectAll()
    .where("finding_id", "=", findingId)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
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
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}
