// Associated pull requests: the open findings a person's PR may touch (where their fixes located
// them: file and resource address), and what fixloop last said on such a PR.

import { STATE_GROUPS } from "../lifecycle/states.ts";
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

/** What fixloop last said on a person's PR. */
export interface AssociatedPr {
  repository: string;
  number: number;
  findingIds: string[];
  labelled: boolean;
  commented: boolean;
  headSha: string;
}

export async function associatedPr(db: Db, repository: string, number: number): Promise<AssociatedPr | null> {
  const row = await db
    .selectFrom("associated_prs")
    .selectAll()
    .where("repository", "=", repository)
    .where("number", "=", number)
    .executeTakeFirst();
  if (!row) return null;
  return {
    repository: row.repository,
    number: row.number,
    findingIds: JSON.parse(row.finding_ids) as string[],
    labelled: row.labelled === 1,
    commented: row.commented === 1,
    headSha: row.head_sha,
  };
}

export async function saveAssociatedPr(db: Db, pr: AssociatedPr, now: number): Promise<void> {
  const values = {
    finding_ids: JSON.stringify(pr.findingIds),
    labelled: pr.labelled ? 1 : 0,
    commented: pr.commented ? 1 : 0,
    head_sha: pr.headSha,
    updated_at: now,
  };
  await db
    .insertInto("associated_prs")
    .values({ repository: pr.repository, number: pr.number, ...values })
    .onConflict((oc) => oc.columns(["repository", "number"]).doUpdateSet(values))
    .execute();
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
