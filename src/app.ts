// The GitHub App's entry: opens the store, wires webhooks, the HTTP API and the job worker, and
// nothing else. Everything it reaches is a module of its own; everything it reads from the
// environment is read here, once (see README "Running the app" for the variables).

import { join } from "node:path";
import type { ApplicationFunction, Probot } from "probot";
import { jobHandlers } from "./app/job-handlers.ts";
import { AppEnv } from "./app/probot-env.ts";
import { registerVerificationWebhooks } from "./app/verification-triggers.ts";
import { registerWebhooks } from "./app/webhooks.ts";
import { errorsAsLine } from "./config/config-errors.ts";
import { toTriageConfig } from "./config/repo-config.ts";
import { type GitHubHost, gitRemoteUrl, hostFromEnv } from "./github/hosts.ts";
import { RepoSourceCache } from "./github/repo-source.ts";
import { UserGitHub } from "./github/user-auth.ts";
import { createApiHandler } from "./http/routes.ts";
import { assertEveryKindHandled } from "./jobs/kinds.ts";
import { scheduleSweeps } from "./jobs/sweeps.ts";
import { Worker, type WorkerOptions } from "./jobs/worker.ts";
import { secretsFrom } from "./notify/secrets.ts";
import { type IndexBudgets, IndexSandbox } from "./sandbox/index-sandbox.ts";
import { Store, storeLocationFromEnv } from "./store/store.ts";
import { dashboardHandler } from "./web/wiring.ts";

export interface FixloopAppOptions {
  env?: NodeJS.ProcessEnv;
  /** An open store (tests); otherwise DATABASE_URL or FIXLOOP_DATA_DIR. */
  store?: Store;
  host?: GitHubHost;
  repoSource?: RepoSourceCache;
  /** Run the job worker in this process (default true). Tests drive it with `worker.runDue()`. */
  startWorker?: boolean;
  /** The job worker's lease, poll interval and run hook (tests of replicas shorten the lease). */
  worker?: Pick<WorkerOptions, "leaseMs" | "pollMs" | "onRun">;
  /** Time and memory budgets of the worker thread that indexes repositories (tests shorten them). */
  indexBudgets?: Partial<IndexBudgets>;
  /** Called once everything is wired (tests reach the worker and the environment through it). */
  onReady?: (app: { env: AppEnv; worker: Worker; store: Store }) => void;
}

export function fixloopApp(options: FixloopAppOptions = {}): ApplicationFunction {
  return async (app: Probot, { addHandler }) => {
    const env = options.env ?? process.env;
    const location = storeLocationFromEnv(env);
    const store =
      options.store ??
      (await Store.open(location, {
        warn: (message, detail) => app.log.warn(detail, `fixloop store: ${message}`),
      }));
    const host = options.host ?? hostFromEnv(env);
    const publicUrl = (env.FIXLOOP_PUBLIC_URL || `http://localhost:${env.PORT || 3000}`).replace(/\/+$/, "");
    const repoSource =
      options.repoSource ??
      new RepoSourceCache({
        cacheDir: env.FIXLOOP_CACHE_DIR || join(location.dataDir ?? ".fixloop", "repos"),
        remoteUrl: (r) => gitRemoteUrl(host, r.owner, r.repo),
        maxBytes: cacheMaxBytes(env.FIXLOOP_CACHE_MAX_BYTES),
      });
    // Untrusted Terraform is parsed in a worker thread, never on the loop that answers webhooks.
    const sandbox = new IndexSandbox(options.indexBudgets);
    const appEnv = new AppEnv({
      app,
      store,
      host,
      log: app.log,
      repoSource,
      publicUrl,
      indexer: (repository, files, key) => sandbox.index(repository, files, key),
      planner: (repository, key, files, group, options) =>
        sandbox.plan(repository, key, files, group, options.ruleOptions, options.on),
    });

    const secrets = (env.FIXLOOP_API_SECRET ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    // Say once, at start, what an operator would otherwise learn from a 503 or a missing file.
    app.log.info(
      { store: store.location, publicUrl },
      "fixloop: store open, evidence links under the public URL",
    );
    if (secrets.length === 0)
      app.log.warn(
        "fixloop: FIXLOOP_API_SECRET is not set, so /api answers 503 until it is (see docs/http-api.md)",
      );

    registerWebhooks(app, appEnv);
    registerVerificationWebhooks(app, appEnv);
    addHandler?.(
      createApiHandler({
        store,
        secrets,
        installationFor: (org) => appEnv.installationFor(org),
        triageConfigFor: async (org, installationId) => {
          const parsed = await appEnv.repoConfig(installationId, { owner: org, repo: ".github" });
          return parsed.ok
            ? { ok: true, config: toTriageConfig(parsed.config) }
            : {
                ok: false,
                message: `${org}/.github: .github/fixloop.yml is invalid: ${errorsAsLine(parsed.errors)}`,
              };
        },
        log: app.log,
        metricsToken: env.FIXLOOP_METRICS_TOKEN || undefined,
        // The API's answers point at the API's evidence route (machines sign; people get the page).
        evidenceUrl: (id) => `${publicUrl}/api/findings/${encodeURIComponent(id)}/evidence`,
      }),
    );
    // The dashboard for people (src/web): who may see what is asked of GitHub through these.
    addHandler?.(
      dashboardHandler({
        env,
        store,
        host,
        publicUrl,
        dataDir: location.dataDir ?? ".fixloop",
        log: app.log,
        access: {
          orgTeams: async (org) => {
            const installationId = await appEnv.installationFor(org);
            if (installationId === null) return null;
            const parsed = await appEnv.repoConfig(installationId, { owner: org, repo: ".github" });
            if (!parsed.ok) return null;
            return {
              installationId,
              securityTeam: parsed.config.securityTeam,
              auditors: parsed.config.auditors,
            };
          },
          isTeamMember: async (installationId, team, login) =>
            (await appEnv.platform(installationId)).isTeamMember(team, login),
          canRead: (token, repository) => new UserGitHub(host, token).canRead(repository),
        },
      }),
    );

    // Webhook URLs and secrets are read from the environment by the names fixloop.yml gives them.
    const handlers = jobHandlers(appEnv, app.log, secretsFrom(env));
    // A kind that can be queued but has no handler would wait forever: refuse to start instead.
    assertEveryKindHandled(handlers);
    const worker = new Worker(store, handlers, {
      concurrency: Number(env.FIXLOOP_WORKER_CONCURRENCY) || 2,
      ...options.worker,
      onError: (error) =>
        app.log.error({ err: { message: (error as Error).message } }, "job worker loop failed"),
    });
    await scheduleSweeps(store);
    if (options.startWorker !== false) {
      worker.start();
      // On SIGTERM/SIGINT: let the jobs in flight finish (their leases would otherwise have to
      // expire), close the store, then die of the same signal as if no handler had been set.
      const stop = (signal: NodeJS.Signals) =>
        void worker
          .stop()
          .finally(() => Promise.all([store.close(), sandbox.close()]))
          .finally(() => process.kill(process.pid, signal));
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    }
    options.onReady?.({ env: appEnv, worker, store });
  };
}

export default fixloopApp();

/** The repository cache's default bound: 10 GiB. */
const CACHE_MAX_BYTES = 10 * 1024 ** 3;
const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** FIXLOOP_CACHE_MAX_BYTES: bytes, or a whole number with K/M/G/T (binary: 5G = 5 GiB); a bad value stops the start. */
export function cacheMaxBytes(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return CACHE_MAX_BYTES;
  const m = /^(\d{1,16})([KMGT]?)$/i.exec(value.trim());
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!) : Number.NaN;
  if (!(bytes > 0))
    throw new Error(
      `FIXLOOP_CACHE_MAX_BYTES is "${value}": expected a size in bytes, e.g. 10737418240 or 10G`,
    );
  return bytes;
}
