// The job kinds fixloop queues about findings, defined once: what each one is called, its unique
// key (at most one queued or running per finding) and how it is built. Ingest, the app, the
// sweeps and the verification all queue these; only the handlers (src/remediate, src/verify) run them.

import type { NewJob } from "../store/jobs.ts";

/** Locates, patches and opens the PR for a finding (or the issue that says why not). */
export const REMEDIATE_JOB = "remediate";
/** After merge: CI, the re-scans, then resolved or reopened. */
export const VERIFY_JOB = "verify";
/** A finding whose PR was closed without merge, seen failing again: has its fix changed since? */
export const RECHECK_JOB = "recheck";
/** A resolved finding seen failing again: tell the fix's PR, then compute the fix again. */
export const REGRESSION_JOB = "regression";
/** A finding fixloop had no fix for, resolved by its source's re-scan: close its tracking issue. */
export const SOURCE_RESOLVED_JOB = "source-resolved";

export const remediateJobKey = (findingId: string) => `${REMEDIATE_JOB}:${findingId}`;
export const verifyJobKey = (findingId: string) => `${VERIFY_JOB}:${findingId}`;
export const recheckJobKey = (findingId: string) => `${RECHECK_JOB}:${findingId}`;
export const regressionJobKey = (findingId: string) => `${REGRESSION_JOB}:${findingId}`;
export const sourceResolvedJobKey = (findingId: string) => `${SOURCE_RESOLVED_JOB}:${findingId}`;

/**
 * How long a recheck waits after the re-ingest that asks for it. Scanners report an open finding
 * on every run (some every few minutes); with one queued recheck per finding (its unique key), a
 * closed finding costs GitHub at most one look per window instead of one per scan.
 */
export const RECHECK_DELAY_MS = 6 * 60 * 60_000;

/** A commit with no check at all this long after the merge has no CI to wait for; a merged
 *  finding's first verification look waits this long (src/lifecycle/states.ts). */
export const CI_GRACE_MS = 15 * 60_000;

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

/** Its own kind, not a `remediate`: freeing a budget slot wakes remediations, and these can wait. */
export function recheckJob(findingId: string, now: number): NewJob {
  return {
    kind: RECHECK_JOB,
    payload: { findingId },
    uniqueKey: recheckJobKey(findingId),
    runAt: now + RECHECK_DELAY_MS,
  };
}

export function regressionJob(findingId: string, riskScore: number): NewJob {
  return {
    kind: REGRESSION_JOB,
    payload: { findingId },
    uniqueKey: regressionJobKey(findingId),
    priority: riskScore,
  };
}

export function sourceResolvedJob(findingId: string): NewJob {
  return { kind: SOURCE_RESOLVED_JOB, payload: { findingId }, uniqueKey: sourceResolvedJobKey(findingId) };
}
