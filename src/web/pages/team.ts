// One owning team: its trends (as on the organization's trends page) and the work in flight — its
// open fix PRs and its open tracking issues (findings fixloop could not fix by PR).

import { htmlText, table } from "../../evidence/html.ts";
import { oldestOpen, openIssuesOfTeam, openPrsOfTeam, teamsOf } from "../../store/dashboard.ts";
import type { PageRequest, PageResult, PageSpec } from "../contract.ts";
import {
  answering,
  duration,
  externalLink,
  findingPath,
  isoDay,
  NOT_FOUND,
  orgNav,
  pageLink,
  words,
} from "./common.ts";
import { periodForm, trendSections, trendWindow } from "./trends.ts";

const LIST = 50;

async function render(request: PageRequest): Promise<PageResult> {
  const [org, team] = request.params as [string, string];
  const db = request.store.db;
  const teams = await teamsOf(db, org);
  // A team with no finding in this organization is not a page (and says nothing about other orgs).
  if (!teams.some((t) => t.team === team)) return NOT_FOUND;
  const now = request.now().getTime();
  const w = trendWindow(request.url, now);
  const [prs, issues, oldest] = await Promise.all([
    openPrsOfTeam(db, org, team, LIST),
    openIssuesOfTeam(db, org, team, LIST),
    oldestOpen(db, org, 10, team),
  ]);
  const prRows = prs.map((p) => [
    externalLink(p.url, p.repository && p.number !== null ? `${p.repository}#${p.number}` : undefined),
    pageLink(findingPath(p.findingId), p.title),
    isoDay(p.openedAt),
    duration(now - p.openedAt),
  ]);
  const issueRows = issues.map((i) => [
    externalLink(i.url, `${i.repository}#${i.number}`),
    pageLink(findingPath(i.findingId), i.title),
    i.reason,
    isoDay(i.openedAt),
  ]);
  const oldRows = oldest.map((f) => [
    pageLink(findingPath(f.id), f.id.slice(0, 12)),
    f.title,
    f.tier,
    words(f.state),
    isoDay(f.firstSeen),
  ]);
  const body = [
    orgNav(org, "team"),
    `<h1>Team ${htmlText(team)}</h1>`,
    `<p class="as-of">Findings of ${htmlText(org)} owned by ${htmlText(team)}; per week from ${isoDay(w.from)} to ${isoDay(w.to - 1)}.</p>`,
    `<section aria-labelledby="prs"><h2 id="prs">Open fix pull requests</h2>${table(["Pull request", "Finding", "Opened", "Open for"], prRows)}</section>`,
    `<section aria-labelledby="issues"><h2 id="issues">Open tracking issues</h2>${table(["Issue", "Finding", "Why no PR", "Opened"], issueRows)}</section>`,
    `<section aria-labelledby="oldest"><h2 id="oldest">Oldest open findings</h2>${table(["Finding", "Title", "Tier", "State", "Detected"], oldRows)}</section>`,
    `<h2>Trends</h2>`,
    periodForm(w, null),
    await trendSections(request.store, { org, team, from: w.from, to: w.to, weekOrigin: w.weekOrigin }, w),
  ];
  return { kind: "html", title: `${org}: team ${team}`, body: body.join("\n") };
}

export const teamPage: PageSpec = {
  name: "team",
  pattern: /^\/orgs\/([^/]+)\/teams\/(.+)$/,
  access: "org",
  render: (request) => answering(() => render(request)),
};
