// Where the app registers a handler for each job kind (src/jobs/kinds.ts): typed by the kinds'
// table, so a kind without a handler does not compile, and checked again when the worker is built.

import { type JobKind, jobHandler } from "../jobs/kinds.ts";
import { waitingOutRateLimits } from "../jobs/rate-limited.ts";
import { SWEEP_HANDLERS } from "../jobs/sweeps.ts";
import type { JobHandler } from "../jobs/worker.ts";
import { type NotifyDeps, routeNotification, sendDigest, sendNotification } from "../notify/deliver.ts";
import { syncJira } from "../notify/jira.ts";
import { type SecretSource, secretsFrom } from "../notify/secrets.ts";
import { remediateHandler } from "../remediate/remediate-job.ts";
import { sourceResolvedHandler } from "../remediate/source-resolved.ts";
import { refreshAssociatedPrs } from "../review/refresh.ts";
import { notifySla } from "../sla/notices.ts";
import { notifyOverdue } from "../verify/overdue.ts";
import { regressionHandler } from "../verify/regression.ts";
import { verifyHandler } from "../verify/verify-job.ts";
import { noticeExpiringExceptions } from "./exception-notices.ts";
import type { AppEnv } from "./probot-env.ts";

interface WarnLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export function jobHandlers(
  env: AppEnv,
  log: WarnLog,
  secrets: SecretSource = secretsFrom({}),
): Record<JobKind, JobHandler> {
  const now = () => env.store.now();
  const notify: NotifyDeps = {
    store: env.store,
    log,
    orgConfig: (installationId, repository) => env.repoConfig(installationId, repository),
    secrets,
    pacing: new Map(),
  };
  // The jobs that talk to GitHub go back to the queue when it says "slow down"; their payload is
  // checked against the kind's schema when claimed.
  const gitHubJob = (kind: JobKind, handler: JobHandler) =>
    waitingOutRateLimits(
      jobHandler(kind, (payload, ctx) => handler(payload, ctx)),
      now,
      log,
    );
  return {
    remediate: gitHubJob("remediate", remediateHandler(env)),
    recheck: gitHubJob("recheck", remediateHandler(env, undefined, "recheck")),
    regression: gitHubJob("regression", regressionHandler(env)),
    "source-resolved": gitHubJob("source-resolved", sourceResolvedHandler(env)),
    verify: gitHubJob("verify", verifyHandler(env)),
    // Routing reads the organization's configuration from GitHub; sending talks to the receivers.
    notify: gitHubJob("notify", async (event, ctx) => {
      await routeNotification(notify, event as Parameters<typeof routeNotification>[1], ctx);
      return undefined;
    }),
    "notify-send": jobHandler("notify-send", (payload, ctx) => sendNotification(notify, payload, ctx)),
    "notify-digest": jobHandler("notify-digest", (payload, ctx) => sendDigest(notify, payload, ctx)),
    "jira-sync": gitHubJob("jira-sync", (payload, ctx) =>
      syncJira(
        { ...notify, platform: (id) => env.platform(id) },
        (payload as { findingId: string }).findingId,
        ctx,
      ),
    ),
    "pr-review-refresh": gitHubJob("pr-review-refresh", async (payload) => {
      await refreshAssociatedPrs(env, (payload as { findingId: string }).findingId);
      return undefined;
    }),
    ...SWEEP_HANDLERS,
    // The app's SLA sweep also gives the SLA notices due (warning, breach, escalation), once each.
    "sweep:sla": jobHandler("sweep:sla", async (payload, ctx) => {
      const outcome = await SWEEP_HANDLERS["sweep:sla"](payload, ctx);
      await notifySla(env);
      return outcome;
    }),
    // The app's timeout sweep also tells the owners of each newly overdue verification, once.
    "sweep:verification-timeout": jobHandler("sweep:verification-timeout", async (payload, ctx) => {
      const outcome = await SWEEP_HANDLERS["sweep:verification-timeout"](payload, ctx);
      await notifyOverdue(env);
      return outcome;
    }),
    // The app's expiry sweep first tells whoever approved an exception ending soon, once.
    "sweep:exception-expiry": jobHandler("sweep:exception-expiry", async (payload, ctx) => {
      await noticeExpiringExceptions(env);
      return SWEEP_HANDLERS["sweep:exception-expiry"](payload, ctx);
    }),
  };
}
