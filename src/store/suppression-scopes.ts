// Confirmed false positives that reach beyond their finding: later findings of the same rule on the
// same resource, in the same repository or anywhere in the organization are suppressed on arrival
// (src/lifecycle/admission.ts), each with an audit reason naming the decision.

import type { Actor } from "../lifecycle/machine.ts";
import type { Db } from "./store.ts";

export type SuppressionScopeKind = "resource" | "repository" | "organization";

export interface SuppressionDecision {
  id: number;
  org: string;
  /** owner/name (resource and repository scopes). */
  repository: string | null;
  ruleId: string;
  /** The resource key (resource scope only). */
  resource: string | null;
  scope: SuppressionScopeKind;
  /** The finding whose review decided it. */
  findingId: string;
  decidedBy: Actor;
  reason: string;
  createdAt: number;
}

export type NewSuppressionDecision = Omit<SuppressionDecision, "id" | "createdAt">;

export async function recordSuppressionScope(
  tx: Db,
  d: NewSuppressionDecision,
  now: number,
): Promise<number> {
  const row = await tx
    .insertInto("suppression_scopes")
    .values({
      org: d.org,
      repository: d.repository,
      rule_id: d.ruleId,
      resource: d.resource,
      scope: d.scope,
      finding_id: d.findingId,
      decided_by: JSON.stringify(d.decidedBy),
      reason: d.reason,
      created_at: now,
      revoked_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The unrevoked decisions of an organization for these rules, oldest first. */
export async function activeSuppressionScopes(
  db: Db,
  org: string,
  ruleIds: readonly string[],
): Promise<SuppressionDecision[]> {
  if (ruleIds.length === 0) return [];
  const rows = await db
    .selectFrom("suppression_scopes")
    .selectAll()
    .where("org", "=", org)
    .where("rule_id", "in", [...new Set(ruleIds)])
    .where("revoked_at", "is", null)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    org: r.org,
    repository: r.repository,
    ruleId: r.rule_id,
    resource: r.resource,
    scope: r.scope as SuppressionScopeKind,
    findingId: r.finding_id,
    decidedBy: JSON.parse(r.decided_by) as Actor,
    reason: r.reason,
    createdAt: Number(r.created_at),
  }));
}
