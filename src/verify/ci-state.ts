// CI state of one commit (the merge commit of a fixloop PR): pure. It reads the check runs, commit
// statuses and check suites GitHub reports for the commit (fetched from the REST API) and the
// branch's required check names when known, and says green, red or pending the way GitHub's merge box would.
//
// GitHub's semantics, from its documentation:
// - A check run's conclusion exists only once its status is `completed`; success, neutral and
//   skipped pass a required check, everything else blocks it ("About protected branches → Require
//   status checks before merging"; "About status checks → Check statuses and conclusions",
//   https://docs.github.com/en/pull-requests/collaborating-with-pull-requests/collaborating-on-repositories-with-code-quality-features/about-status-checks).
// - `stale` is set by GitHub on runs left incomplete for 14 days and "behaves similarly to the
//   timed_out and cancelled conclusions" (https://developer.github.com/changes/2020-02-03-stale-conclusion/).
// - A check and a commit status with the same name are both required when that name is required
//   ("Troubleshooting required status checks").
// - Commit statuses are immutable; the latest one per context is the one GitHub shows
//   (REST "Get the combined status for a specific reference").

/** fixloop's own check run reports the verification; counting it would make it wait on itself. */
export const FIXLOOP_CHECK_NAME = "fixloop/verification";

/** Field names follow GitHub's REST and webhook objects so API results can be passed as they are. */
export interface CheckRunInput {
  id: number;
  name: string;
  /** queued | in_progress | completed | waiting | requested | pending */
  status: string;
  conclusion: string | null;
  html_url: string | null;
  app: { id: number; slug?: string | null } | null;
  started_at?: string | null;
  check_suite?: { id: number } | null;
}

export interface CommitStatusInput {
  id: number;
  context: string;
  /** error | failure | pending | success */
  state: string;
  target_url: string | null;
  created_at?: string | null;
}

export interface CheckSuiteInput {
  id: number;
  app: { id: number; slug?: string | null } | null;
  /** requested | queued | in_progress | completed */
  status: string | null;
  conclusion: string | null;
}

/** A required check from branch protection (`contexts`) or `checks[]` with the app it must come from. */
export type RequiredCheck = string | { context: string; appId?: number | null };

export interface CiInput {
  checkRuns: readonly CheckRunInput[];
  statuses: readonly CommitStatusInput[];
  suites?: readonly CheckSuiteInput[];
  /** Required check names; null, undefined or empty when unknown or none: then every check counts. */
  required?: readonly RequiredCheck[] | null;
  /** More names to ignore besides fixloop's own check. */
  ignore?: readonly string[];
}

export interface CiState {
  state: "pending" | "green" | "red";
  failing: Array<{ name: string; url: string | null }>;
  pending: string[];
  /** Names that decided the state. Empty means the commit has no CI at all (yet): "green" then is
   *  vacuous, and a caller that has just seen the merge should wait for checks to appear. */
  considered: string[];
}

type Outcome = "pass" | "fail" | "pending";
interface Item {
  name: string;
  appId: number | null;
  outcome: Outcome;
  url: string | null;
}

const PASSING = new Set(["success", "neutral", "skipped"]);

/** A completed run's conclusion. Unknown future values fail: a fix is never verified on a guess. */
function runOutcome(run: CheckRunInput): Outcome {
  if (run.status !== "completed" || run.conclusion === null) return "pending";
  return PASSING.has(run.conclusion) ? "pass" : "fail";
}

function statusOutcome(status: CommitStatusInput): Outcome {
  if (status.state === "success") return "pass";
  return status.state === "pending" ? "pending" : "fail";
}

/** Is `a` newer than `b`: by timestamp, then by id (ids grow with creation). The list order is not
 *  relied on, since the statuses endpoint returns newest first and webhooks arrive in any order. */
function newer(
  a: { id: number; at: string | null | undefined },
  b: { id: number; at: string | null | undefined },
) {
  const ta = a.at ? Date.parse(a.at) : Number.NaN;
  const tb = b.at ? Date.parse(b.at) : Number.NaN;
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta > tb;
  return a.id > b.id;
}

function latestBy<T>(items: readonly T[], key: (t: T) => string, isNewer: (a: T, b: T) => boolean): T[] {
  const out = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const seen = out.get(k);
    if (!seen || isNewer(item, seen)) out.set(k, item);
  }
  return [...out.values()];
}

function items(input: CiInput, ignored: Set<string>): Item[] {
  const runs = latestBy(
    input.checkRuns.filter((r) => !ignored.has(r.name)),
    (r) => `${r.app?.id ?? ""}\u0000${r.name}`,
    (a, b) => newer({ id: a.id, at: a.started_at }, { id: b.id, at: b.started_at }),
  );
  const statuses = latestBy(
    input.statuses.filter((s) => !ignored.has(s.context)),
    (s) => s.context,
    (a, b) => newer({ id: a.id, at: a.created_at }, { id: b.id, at: b.created_at }),
  );
  const out: Item[] = [
    ...runs.map((r) => ({ name: r.name, appId: r.app?.id ?? null, outcome: runOutcome(r), url: r.html_url })),
    ...statuses.map((s) => ({ name: s.context, appId: null, outcome: statusOutcome(s), url: s.target_url })),
  ];
  // A suite stands in for its runs only when none of them is known (a lost delivery). A suite
  // still `queued`/`requested` is ignored: GitHub creates one for every app with checks access on
  // each push, and those of apps that never run on this repository stay queued forever.
  const suitesWithRuns = new Set(
    input.checkRuns.map((r) => r.check_suite?.id).filter((id) => id !== undefined),
  );
  for (const suite of input.suites ?? []) {
    if (suitesWithRuns.has(suite.id) || (suite.status !== "completed" && suite.status !== "in_progress"))
      continue;
    const name = `${suite.app?.slug ?? `app ${suite.app?.id ?? "unknown"}`} (check suite)`;
    if (ignored.has(name)) continue;
    const outcome: Outcome =
      suite.status !== "completed" || suite.conclusion === null
        ? "pending"
        : PASSING.has(suite.conclusion)
          ? "pass"
          : "fail";
    out.push({ name, appId: suite.app?.id ?? null, outcome, url: null });
  }
  return out;
}

/** A required check with an app id is satisfied only by that app's check runs (-1 or none: any source). */
function matches(item: Item, req: { context: string; appId: number | null }): boolean {
  return item.name === req.context && (req.appId === null || req.appId === -1 || item.appId === req.appId);
}

export function ciState(input: CiInput): CiState {
  const ignored = new Set([FIXLOOP_CHECK_NAME, ...(input.ignore ?? [])]);
  const all = items(input, ignored);
  const required = (input.required ?? [])
    .map((r) =>
      typeof r === "string" ? { context: r, appId: null } : { context: r.context, appId: r.appId ?? null },
    )
    .filter((r) => !ignored.has(r.context));

  let considered: Item[];
  if (required.length > 0) {
    // Only required checks count; one not reported yet is pending, as in GitHub's merge box.
    considered = required.flatMap((req) => {
      const found = all.filter((item) => matches(item, req));
      return found.length > 0
        ? found
        : [{ name: req.context, appId: req.appId, outcome: "pending" as const, url: null }];
    });
  } else {
    considered = all;
  }

  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const failing = considered
    .filter((i) => i.outcome === "fail")
    .sort(byName)
    .map((i) => ({ name: i.name, url: i.url }));
  const unique = (names: string[]) => [...new Set(names)].sort((a, b) => a.localeCompare(b));
  const pending = unique(considered.filter((i) => i.outcome === "pending").map((i) => i.name));
  return {
    state: failing.length > 0 ? "red" : pending.length > 0 ? "pending" : "green",
    failing,
    pending,
    considered: unique(considered.map((i) => i.name)),
  };
}
