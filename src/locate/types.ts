// What locating a finding returns: candidate blocks, each with the evidence and a confidence.

import type { ModuleCall, Resource } from "../hcl/index.ts";
import type { LocatedBy } from "../triage/confidence.ts";

export interface Candidate {
  /** The resource block that defines the finding's resource… */
  resource?: Resource;
  /** …or the module call that creates it (fixed at the call site by setting the module's inputs). */
  moduleCall?: ModuleCall;
  by: LocatedBy;
  /** Why this block: "aws_s3_bucket.backups.bucket resolves to \"prod-customer-data-backups\" (var.env = \"prod\")". */
  evidence: string;
  confidence: number;
  /** The for_each/count instance the finding names (`["ssh"]`, `[0]`), when it names one. */
  instance?: string;
}

export type Location =
  | { kind: "located"; candidate: Candidate; alternatives: Candidate[] }
  /** Two or more equally good candidates: never resolved by guessing. */
  | { kind: "ambiguous"; candidates: Candidate[]; reason: string }
  | { kind: "not-found"; reason: string };

/** How much each kind of evidence is worth; a whole name written in the code beats a generated one. */
export const CONFIDENCE = {
  "file-line": 1,
  address: 0.98,
  mapping: 0.95,
  tags: 0.95,
  identity: 0.85,
  "identity-prefix": 0.83,
  /** Added to an identity match whose vpc_id resolves to the VPC the finding names. */
  "same-vpc": 0.01,
  "module-input": 0.8,
};
