// Webhook deliveries folded into a CiInput, so ciState's tests are written with GitHub's own
// payloads (@octokit/webhooks-examples). Moved here from src/verify/ci-state.ts: the app reads CI
// state from the REST API, and nothing in src/ folded deliveries.

import { z } from "zod";
import type { CheckRunInput, CheckSuiteInput, CiInput } from "../../src/verify/ci-state.ts";

const app = z.object({ id: z.number(), slug: z.string().nullish() }).nullish();
const checkRunEvent = z.object({
  check_run: z.object({
    id: z.number(),
    name: z.string(),
    head_sha: z.string(),
    status: z.string(),
    conclusion: z.string().nullable(),
    html_url: z.string().nullish(),
    started_at: z.string().nullish(),
    app,
    check_suite: z.object({ id: z.number() }).nullish(),
  }),
});
const checkSuiteEvent = z.object({
  check_suite: z.object({
    id: z.number(),
    head_sha: z.string(),
    status: z.string().nullable(),
    conclusion: z.string().nullable(),
    app,
  }),
});
const statusEvent = z.object({
  id: z.number(),
  sha: z.string(),
  context: z.string(),
  state: z.string(),
  target_url: z.string().nullish(),
  created_at: z.string().nullish(),
});

/** One webhook delivery: the `X-GitHub-Event` name and the parsed payload. */
export interface CheckEvent {
  name: string;
  payload: unknown;
}

const RANK: Record<string, number> = { completed: 2, in_progress: 1 };

/** Of two deliveries about one run or suite, the further along wins: webhooks can arrive out of
 *  order (`completed` before `created`), and a status never goes back from completed. */
function furtherAlong(a: { status: string | null }, b: { status: string | null }): boolean {
  return (RANK[a.status ?? ""] ?? 0) >= (RANK[b.status ?? ""] ?? 0);
}

/**
 * Folds `check_run`, `check_suite` and `status` deliveries for commit `sha` into a CiInput
 * (starting from `start`, e.g. what the REST API returned). Deliveries for other commits, other
 * events and payloads that do not have the expected shape are skipped.
 */
export function reduceCheckEvents(sha: string, events: Iterable<CheckEvent>, start?: CiInput): CiInput {
  const runs = new Map((start?.checkRuns ?? []).map((r) => [r.id, r]));
  const suites = new Map((start?.suites ?? []).map((s) => [s.id, s]));
  const statuses = new Map((start?.statuses ?? []).map((s) => [s.id, s]));
  for (const event of events) {
    if (event.name === "check_run") {
      const parsed = checkRunEvent.safeParse(event.payload);
      if (!parsed.success || parsed.data.check_run.head_sha !== sha) continue;
      const { head_sha: _sha, html_url, ...run } = parsed.data.check_run;
      const next: CheckRunInput = { ...run, html_url: html_url ?? null, app: run.app ?? null };
      const seen = runs.get(next.id);
      if (!seen || furtherAlong(next, seen)) runs.set(next.id, next);
    } else if (event.name === "check_suite") {
      const parsed = checkSuiteEvent.safeParse(event.payload);
      if (!parsed.success || parsed.data.check_suite.head_sha !== sha) continue;
      const { head_sha: _sha, ...suite } = parsed.data.check_suite;
      const next: CheckSuiteInput = { ...suite, app: suite.app ?? null };
      const seen = suites.get(next.id);
      // `rerequested` re-runs a suite: its new runs arrive as check_run deliveries.
      if (!seen || furtherAlong(next, seen)) suites.set(next.id, next);
    } else if (event.name === "status") {
      const parsed = statusEvent.safeParse(event.payload);
      if (!parsed.success || parsed.data.sha !== sha) continue;
      const { sha: _sha, target_url, ...status } = parsed.data;
      statuses.set(status.id, { ...status, target_url: target_url ?? null });
    }
  }
  return {
    checkRuns: [...runs.values()],
    statuses: [...statuses.values()],
    suites: [...suites.values()],
    required: start?.required ?? null,
    ...(start?.ignore ? { ignore: start.ignore } : {}),
  };
}
