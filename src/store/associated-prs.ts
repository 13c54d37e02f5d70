// Associated pull requests: the open findings a person's PR may touch (where their fixes located
// them: file and resource address), and what fixloop last said on such a PR.

import type { Selectable } from "kysely";
import { STATE_GROUPS } from "../lifecycle/states.ts";
import type { AssociatedPrsTable } from "./schema.ts";
import type { Db } from "./store.ts";

/** An open finding located in a file of the repository, with what the PR comment shows of it. */
export interface LocatedFinding {
  id: string;
  title: string;
  ruleId: string;
  tier: string;
  score: number;
  slaDue: string;
  file: string;
  address: string | null;
  /** The finding's fix PR, or its tracking issue (null: neither). */
  link: { kind: "pr" | "issue"; url: string } | null;
}

/** Open findings whose fix located them in one of `files` of `repository` (owner/repo). */
export async function openFindingsInFiles(
  db: Db,
  repository: string,
  files: readonly string[],
): Promise<LocatedFinding[]> {
  if (files.length === 0) return [];
  const rows = await db
    .selectFrom("remediations as r")
    .innerJoin("findings as f", "f.id", "r.finding_id")
    .leftJoin("tracking_issues as t", (j) => j.onRef("t.finding_id", "=", "f.id").on("t.state", "=", "open"))
    .select([
      "f.id",
      "f.title",
      "f.rule_native_id",
      "f.rule_catalog_id",
      "f.risk_tier",
      "f.risk_score",
      "f.sla_due",
      "r.id as remediation_id",
      "r.located_file",
      "r.located_address",
      "r.pr_url",
      "r.pr_state",
      "t.url as issue_url",
    ])
    .where("r.repository", "=", repository)
    .where("r.located_file", "in", [...files])
    .where("f.state", "in", [...STATE_GROUPS.open])
    .orderBy("r.id", "desc")
    .execute();
  const byId = new Map<string, LocatedFinding>();
  for (const r of rows) {
    if (byId.has(r.id)) continue; // the latest remediation of the finding says where it is
    const link = r.pr_url && r.pr_state === "open" ? { kind: "pr" as const, url: r.pr_url } : null;
    byId.set(r.id, {
      id: r.id,
      title: r.title,
      ruleId: r.rule_catalog_id ?? r.rule_native_id,
      tier: r.risk_tier,
      score: r.risk_score,
      slaDue: new Date(r.sla_due).toISOString(),
      file: r.located_file as string,
      address: r.located_address,
      link: link ?? (r.issue_url ? { kind: "issue", url: r.issue_url } : null),
    });
  }
  return [...byId.values()];
}

/** What fixloop last said and did on a person's PR. */
export interface AssociatedPr {
  repository: string;
  number: number;
  findingIds: string[];
  /** The associated findings are a reason for the security-review label (fixloop asked the team). */
  labelled: boolean;
  commented: boolean;
  headSha: string;
  /** fixloop's comment's id (null: not posted, or posted before ids were remembered). */
  commentId: number | null;
  /** The `fixloop/scan` check found a new finding needing security review: the label's other reason. */
  scanReview: boolean;
  /** fixloop put the label on (a label a person added is never taken off). */
  labelOwned: boolean;
  /** The PR's changed Terraform files at `headSha` (null: not recorded). */
  tfFiles: string[] | null;
}

function fromRow(row: Selectable<AssociatedPrsTable>): AssociatedPr {
  return {
    repository: row.repository,
    number: row.number,
    findingIds: JSON.parse(row.finding_ids) as string[],
    labelled: row.labelled === 1,
    commented: row.commented === 1,
    headSha: row.head_sha,
    commentId: row.comment_id === null ? null : Number(row.comment_id),
    scanReview: row.scan_review === 1,
    labelOwned: row.label_owned === 1,
    tfFiles: row.tf_files === null ? null : (JSON.parse(row.tf_files) as string[]),
  };
}

export async function associatedPr(db: Db, repository: string, number: number): Promise<AssociatedPr | null> {
  const row = await db
    .selectFrom("associated_prs")
    .selectAll()
    .where("repository", "=", repository)
    .where("number", "=", number)
    .executeTakeFirst();
  return row ? fromRow(row) : null;
}

/** The open PRs of `repository` (a closed PR's record is forgotten) that list `findingId` or change `file`. */
export async function associatedPrsFor(
  db: Db,
  repository: string,
  finding: { id: string; file: string | null },
): Promise<AssociatedPr[]> {
  const rows = await db
    .selectFrom("associated_prs")
    .selectAll()
    .where("repository", "=", repository)
    .where("open", "=", 1)
    .orderBy("number")
    .execute();
  return rows
    .map(fromRow)
    .filter(
      (pr) =>
        pr.findingIds.includes(finding.id) ||
        (finding.file !== null && (pr.tfFiles ?? []).includes(finding.file)),
    );
}

export async function saveAssociatedPr(db: Db, pr: AssociatedPr, now: number): Promise<void> {
  const values = {
    finding_ids: JSON.stringify(pr.findingIds),
    labelled: pr.labelled ? 1 : 0,
    commented: pr.commented ? 1 : 0,
    head_sha: pr.headSha,
    updated_at: now,
    comment_id: pr.commentId,
    scan_review: pr.scanReview ? 1 : 0,
    label_owned: pr.labelOwned ? 1 : 0,
    tf_files: pr.tfFiles === null ? null : JSON.stringify(pr.tfFiles),
    // Saved from a review of the PR or a job about it: open (a close marks it after).
    open: 1,
  };
  await db
    .insertInto("associated_prs")
    .values({ repository: pr.repository, number: pr.number, ...values })
    .onConflict((oc) => oc.columns(["repository", "number"]).doUpdateSet(values))
    .execute();
}

/** A closed PR is no longer reviewed: a finding resolving or reopening later leaves it alone. Its
 *  record stays (a reopened PR's comment is edited in place, not posted again). */
export async function closeAssociatedPr(db: Db, repository: string, number: number): Promise<void> {
  await db
    .updateTable("associated_prs")
    .set({ open: 0 })
    .where("repository", "=", repository)
    .where("number", "=", number)
    .execute();
}

/** Where a finding's latest fix located it, and its installation; null when it was never located. */
export async function findingPlace(
  db: Db,
  findingId: string,
): Promise<{ repository: string; file: string | null; installationId: number | null } | null> {
  const row = await db
    .selectFrom("remediations as r")
    .innerJoin("findings as f", "f.id", "r.finding_id")
    .select(["r.repository", "r.located_file", "f.installation_id"])
    .where("r.finding_id", "=", findingId)
    .where("r.repository", "is not", null)
    .orderBy("r.id", "desc")
    .executeTakeFirst();
  if (!row?.repository) return null;
  return {
    repository: row.repository,
    file: row.located_file,
    installationId: row.installation_id === null ? null : Number(row.installation_id),
  };
}

/** Whether any open PR fixloop reviewed lists `findingId` or changes `file` (cheap: one indexed read). */
export async function hasAssociatedPrs(db: Db, findingId: string): Promise<boolean> {
  const place = await findingPlace(db, findingId);
  if (!place) return false;
  return (await associatedPrsFor(db, place.repository, { id: findingId, file: place.file })).length > 0;
}

/** Whether fixloop opened this PR (a fix PR it recorded). */
export async function isFixPullRequest(db: Db, repository: string, number: number): Promise<boolean> {
  const row = await db
    .selectFrom("remediations")
    .select("id")
    .where("repository", "=", repository)
    .where("pr_number", "=", number)
    .executeTakeFirst();
  return row !== undefined;
}
