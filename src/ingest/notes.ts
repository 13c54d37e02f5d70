// What a sender should know about a finding it posted, beyond its triage: said in the API's 202
// and in `fixloop ingest`. Pure.

import { type Finding, UNSPECIFIED_RULE } from "../findings/model.ts";

/** The note for a finding whose source names no check (the generic payload without rule_id). */
export const NO_CHECK_NOTE =
  'names no check (no rule_id or control_id): fixloop runs its rule catalog on the located resource and proposes a fix only after approval; name the check with rule_id (for example "S3.8" or "CKV_AWS_20") to get a pull request for it';

/** Notes on one normalized finding, in the order a sender should read them; often none. */
export function findingNotes(finding: Finding): string[] {
  const notes: string[] = [];
  if (finding.rule.nativeId === UNSPECIFIED_RULE) notes.push(NO_CHECK_NOTE);
  return notes;
}
