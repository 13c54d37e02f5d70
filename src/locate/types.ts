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
