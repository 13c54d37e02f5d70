// The job kinds fixloop queues about findings, defined once: what each one is called, its unique
// key (at most one queued or running per finding) and how it is built. Ingest, the app, the
// sweeps and the verification all queue these; only the handlers (src/remediate, src/verify) run them.

import type { NewJob } from "../store/jobs.ts";

/** Locates, patches and opens the PR for a finding (or the issue that says why not). */
export const REMEDIATE_JOB = "remediate";
/** After merge: CI, the re-scans, then resolved or reopened. */
export const VERIFY_JOB = "verify";

export const remediateJobKey = (findingId: string) => `${REMEDIATE_JOB}:${findingId}`;
export const verifyJobKey = (findingId: string) => `${VERIFY_JOB}:${findingId}`;

/** Riskier findings first when a repository or team is capped: the priority is the risk score. */
export function remediateJob(findingId: string, riskScore: number): NewJob {
  return {
    kind: REMEDIATE_JOB,
    payload: { findingId },
    uniqueKey: remediateJobKey(findingId),
    priority: riskScore,
  };
}

export function verifyJob(findingId: string, runAt?: number): NewJob {
  return {
    kind: VERIFY_JOB,
    payload: { findingId },
    uniqueKey: verifyJobKey(findingId),
    ...(runAt === undefined ? {} : { runAt }),
  };
}
