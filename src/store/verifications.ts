// What was checked to decide whether a finding is fixed: CI on the merge commit, fixloop's code
// re-scan, the source's runtime re-scan. Appended as observed; the verification step reads them.

import type { Links } from "../lifecycle/machine.ts";
import { insertChunked } from "./chunks.ts";
import type { VerificationRow } from "./schema.ts";
import type { Db } from "./store.ts";

export type VerificationKind = "ci" | "code" | "runtime";
export type VerificationResult = "passed" | "failed" | "pending";

export interface NewVerification {
  findingId: string;
  kind: VerificationKind;
  result: VerificationResult;
  /** Who looked: securityhub, wiz, fixloop (code re-scan), a CI check name… */
  checkedBy: string;
  observedAt: number;
  detail: string;
  links: Links;
}

export interface Verification extends Omit<NewVerification, "observedAt"> {
  id: number;
  observedAt: string;
}

export async function recordVerifications(tx: Db, items: readonly NewVerification[]): Promise<void> {
  await insertChunked(
    items.map((v) => ({
      finding_id: v.findingId,
      kind: v.kind,
      result: v.result,
      checked_by: v.checkedBy,
      observed_at: v.observedAt,
      detail: v.detail,
      links: JSON.stringify(v.links),
    })),
    (rows) => tx.insertInto("verifications").values(rows).execute(),
  );
}

export async function verificationsOf(db: Db, findingId: string): Promise<Verification[]> {
  const rows = await db
    .selectFrom("verifications")
    .selectAll()
    .where("finding_id", "=", findingId)
    .orderBy("observed_at")
    .orderBy("id")
    .execute();
  return rows.map(verificationFromRow);
}

export function verificationFromRow(r: VerificationRow): Verification {
  return {
    id: r.id,
    findingId: r.finding_id,
    kind: r.kind as VerificationKind,
    result: r.result as VerificationResult,
    checkedBy: r.checked_by,
    observedAt: new Date(r.observed_at).toISOString(),
    detail: r.detail,
    links: JSON.parse(r.links) as Links,
  };
}
