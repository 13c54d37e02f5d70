// CI events for a merge commit wake the verification waiting on it. `check_suite.completed`,
// `check_run.completed` and `status` name a commit; when that commit is the merge commit of a
// fixloop fix still being verified, its `verify` job runs now instead of at its next half-hourly
// look. A redelivered webhook changes nothing: its delivery id is recorded in the same
// transaction as the wake-up, so a failure records neither and GitHub's redelivery still works.

import type { Probot } from "probot";
import { VERIFY_JOB, verifyJob, verifyJobKey } from "../jobs/kinds.ts";
import { firstDelivery } from "../store/deliveries.ts";
import { enqueueJobs, wakeJobs } from "../store/jobs.ts";
import { verifyingFindingsOfCommit } from "../store/remediations.ts";
import type { Store } from "../store/store.ts";
import { FIXLOOP_CHECK_NAME } from "../verify/ci-state.ts";
import type { AppEnv } from "./probot-env.ts";

export interface CiEvent {
  deliveryId: string;
  event: string;
  /** owner/name */
  repository: string;
  sha: string;
}

/** Wakes the verifications of findings merged as `sha` in the repository; returns how many. */
export async function wakeVerifications(store: Store, e: CiEvent): Promise<number> {
  return store.transaction(async (tx) => {
    const now = store.now();
    if (!(await firstDelivery(tx, e.deliveryId, e.event, now))) return 0;
    const ids = await verifyingFindingsOfCommit(tx, e.repository, e.sha);
    if (ids.length === 0) return 0;
    // A job already queued (waiting for its next look) is moved to now; otherwise one is added.
    await wakeJobs(tx, VERIFY_JOB, now, ids.map(verifyJobKey));
    await enqueueJobs(
      tx,
      ids.map((id) => verifyJob(id)),
      now,
    );
    return ids.length;
  });
}

export function registerVerificationWebhooks(app: Probot, env: AppEnv): void {
  const wake = async (e: CiEvent, log: { info(o: object, m: string): void }) => {
    const woken = await wakeVerifications(env.store, e);
    if (woken > 0) log.info({ sha: e.sha, findings: woken }, `${e.event}: verification woken`);
  };
  app.on("check_suite.completed", async (context) => {
    const { check_suite, repository } = context.payload;
    await wake(
      {
        deliveryId: context.id,
        event: "check_suite",
        repository: repository.full_name,
        sha: check_suite.head_sha,
      },
      context.log,
    );
  });
  app.on("check_run.completed", async (context) => {
    const { check_run, repository } = context.payload;
    // fixloop's own check run is the verification's result, not an input to it.
    if (check_run.name === FIXLOOP_CHECK_NAME) return;
    await wake(
      {
        deliveryId: context.id,
        event: "check_run",
        repository: repository.full_name,
        sha: check_run.head_sha,
      },
      context.log,
    );
  });
  app.on("status", async (context) => {
    const { sha, state, repository } = context.payload;
    // A pending status decides nothing: the final one will come.
    if (state === "pending") return;
    await wake(
      { deliveryId: context.id, event: "status", repository: repository.full_name, sha },
      context.log,
    );
  });
}
