// Trends of one organization (or one owning team) per week over a chosen period: findings opened vs
// resolved, time to remediate per tier, risk reduced, fix PRs, verification failures and
// regressions. Each chart is SVG with its numbers in a table beside it (src/web/svg/bars.ts).

import { htmlText } from "../../evidence/html.ts";
import {
  remediationTimes,
  type TrendScope,
  teamsOf,
  WEEK,
  weeklyTransitions,
  weeklyVerificationFailures,
} from "../../store/dashboard.ts";
import type { Store } from "../../store/store.ts";
import type { PageRequest, PageResult, PageSpec } from "../contract.ts";
import { barChart } from "../svg/bars.ts";
import { answering, BadQueryError, dateParam, isoDay, orgNav, TIERS } from "./common.ts";

const DEFAULT_WEEKS = 12;
const MAX_WEEKS = 106;

export interface Window {
  from: number;
  to: number;
  weekOrigin: number;
  weeks: number;
}

/** Monday 00:00 UTC on or before `ms` (1970-01-05 was a Monday). */
const mondayOf = (ms: number) => ms - ((ms - Date.UTC(1970, 0, 5)) % WEEK);

/** The period from ?from= and ?to= (dates; `to` includes its day), by default the last 12 weeks. */
export function trendWindow(url: URL, now: number): Window {
  const to = dateParam(url, "to", "until") ?? now;
  const from = dateParam(url, "from", "since") ?? mondayOf(to - DEFAULT_WEEKS * WEEK + WEEK);
  if (from >= to) throw new BadQueryError("from", `must be before to (${isoDay(to - 1)})`);
  const weekOrigin = mondayOf(from);
  const weeks = Math.ceil((to - weekOrigin) / WEEK);
  if (weeks > MAX_WEEKS)
    throw new BadQueryError("from", `is too far back: at most ${MAX_WEEKS} weeks are shown`);
  return { from, to, weekOrigin, weeks };
}

const days = (ms: number) => Math.round((ms / 86_400_000) * 10) / 10;
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** The charts of a scope (the organization, or one team). */
export async function trendSections(store: Store, scope: TrendScope, w: Window): Promise<string> {
  const [transitions, failures, times] = await Promise.all([
    weeklyTransitions(store.db, store.engine, scope),
    weeklyVerificationFailures(store.db, scope),
    remediationTimes(store.db, scope),
  ]);
  const weeks = Array.from({ length: w.weeks }, (_, i) => isoDay(w.weekOrigin + i * WEEK));
  const perWeek = (state: string, value: "count" | "riskSum" = "count") =>
    weeks.map((_, i) =>
      transitions.filter((t) => t.week === i && t.toState === state).reduce((n, t) => n + t[value], 0),
    );
  const failed = weeks.map((_, i) => failures.find((f) => f.week === i)?.count ?? 0);
  const opened = perWeek("new");
  const resolved = perWeek("resolved");
  const risk = perWeek("resolved", "riskSum");
  const prs = { opened: perWeek("pr_open"), merged: perWeek("merged"), closed: perWeek("closed_unmerged") };
  const regressions = perWeek("reopened");
  const span = `the ${w.weeks} weeks from ${weeks[0]}`;
  const tierTimes = TIERS.map((t) => times.find((x) => x.tier === t));
  const charts = [
    barChart({
      id: "chart-opened-resolved",
      title: "Findings opened and resolved per week",
      description: `Over ${span}: ${sum(opened)} findings opened, ${sum(resolved)} resolved.`,
      categoryLabel: "Week of",
      categories: weeks,
      series: [
        { name: "Opened", values: opened },
        { name: "Resolved", values: resolved },
      ],
    }),
    barChart({
      id: "chart-ttr",
      title: "Time to remediate per risk tier (days)",
      description: `Detection to verified resolution of the findings resolved in ${span}: ${TIERS.map(
        (t, i) => {
          const x = tierTimes[i];
          return x
            ? `${t} median ${days(x.medianMs)} d, 90th percentile ${days(x.p90Ms)} d over ${x.resolved} resolved`
            : `${t} none resolved`;
        },
      ).join("; ")}.`,
      categoryLabel: "Tier",
      categories: [...TIERS],
      series: [
        { name: "Median (days)", values: tierTimes.map((t) => (t ? days(t.medianMs) : Number.NaN)) },
        { name: "90th percentile (days)", values: tierTimes.map((t) => (t ? days(t.p90Ms) : Number.NaN)) },
      ],
      tableOnly: [{ name: "Resolved", values: tierTimes.map((t) => t?.resolved ?? 0) }],
    }),
    barChart({
      id: "chart-risk",
      title: "Risk reduced per week",
      description: `The sum of the risk scores of the findings resolved each week: ${sum(risk)} over ${span}.`,
      categoryLabel: "Week of",
      categories: weeks,
      series: [{ name: "Risk score resolved", values: risk }],
    }),
    barChart({
      id: "chart-prs",
      title: "Fix pull requests per week",
      description: `Over ${span}: ${sum(prs.opened)} opened, ${sum(prs.merged)} merged, ${sum(prs.closed)} closed unmerged.`,
      categoryLabel: "Week of",
      categories: weeks,
      series: [
        { name: "Opened", values: prs.opened },
        { name: "Merged", values: prs.merged },
        { name: "Closed unmerged", values: prs.closed },
      ],
    }),
    barChart({
      id: "chart-verification",
      title: "Verification failures and regressions per week",
      description: `Over ${span}: ${sum(failed)} failed checks (CI, code or runtime re-scan), ${sum(regressions)} findings reopened.`,
      categoryLabel: "Week of",
      categories: weeks,
      series: [
        { name: "Failed checks", values: failed },
        { name: "Regressions (reopened)", values: regressions },
      ],
    }),
  ];
  return charts.join("\n");
}

/** The period and team chooser: a GET form (no script). */
export function periodForm(w: Window, teams: readonly string[] | null, team?: string): string {
  const teamField =
    teams === null
      ? ""
      : `<label>Team <select name="team"><option value="">All teams</option>${teams
          .map(
            (t) => `<option value="${htmlText(t)}"${t === team ? " selected" : ""}>${htmlText(t)}</option>`,
          )
          .join("")}</select></label>`;
  return `<form class="period" method="get"><label>From <input type="date" name="from" value="${isoDay(w.from)}"></label><label>To <input type="date" name="to" value="${isoDay(w.to - 1)}"></label>${teamField}<button type="submit">Show</button></form>`;
}

async function render(request: PageRequest): Promise<PageResult> {
  const org = request.params[0] as string;
  const w = trendWindow(request.url, request.now().getTime());
  const team = request.url.searchParams.get("team") || undefined;
  const teams = (await teamsOf(request.store.db, org)).map((t) => t.team);
  const heading = team ? `${org}: trends for team ${team}` : `${org}: trends`;
  const body = [
    orgNav(org, "trends"),
    `<h1>${htmlText(heading)}</h1>`,
    `<p class="as-of">Per week (Monday to Sunday, UTC) from ${isoDay(w.from)} to ${isoDay(w.to - 1)}.</p>`,
    periodForm(w, teams, team),
    await trendSections(request.store, { org, team, from: w.from, to: w.to, weekOrigin: w.weekOrigin }, w),
  ];
  return { kind: "html", title: heading, body: body.join("\n") };
}

export const trendsPage: PageSpec = {
  name: "trends",
  pattern: /^\/orgs\/([^/]+)\/trends$/,
  access: "org",
  render: (request) => answering(() => render(request)),
};
