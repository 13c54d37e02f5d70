// Overview of one organization: what is open (by risk tier, owning team and state), what is past
// its SLA or due within a week, what waits on a person and for how long, and the oldest open work.

import { dl, htmlText, table } from "../../evidence/html.ts";
import {
  type OpenGroup,
  oldestOpen,
  openGroups,
  WAITING_STATES,
  type WaitingState,
  waitingOnPeople,
} from "../../store/dashboard.ts";
import type { PageRequest, PageResult, PageSpec } from "../contract.ts";
import { barChart } from "../svg/bars.ts";
import {
  answering,
  duration,
  findingPath,
  isoDay,
  orgNav,
  pageLink,
  TIERS,
  teamPath,
  words,
} from "./common.ts";

const LIST = 15;

interface Totals {
  count: number;
  breached: number;
  dueSoon: number;
}

/** The groups summed by a key (tier, team or state), largest first. */
function sumBy(groups: readonly OpenGroup[], key: (g: OpenGroup) => string): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const g of groups) {
    const t = out.get(key(g)) ?? { count: 0, breached: 0, dueSoon: 0 };
    out.set(key(g), {
      count: t.count + g.count,
      breached: t.breached + g.breached,
      dueSoon: t.dueSoon + g.dueSoon,
    });
  }
  return new Map([...out].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0])));
}

function tierSection(groups: readonly OpenGroup[]): string {
  const byTier = sumBy(groups, (g) => g.tier);
  const tiers = [...TIERS, ...[...byTier.keys()].filter((t) => !(TIERS as readonly string[]).includes(t))];
  const value = (t: string, k: keyof Totals) => byTier.get(t)?.[k] ?? 0;
  const total = (k: keyof Totals) => tiers.reduce((n, t) => n + value(t, k), 0);
  return `<section aria-labelledby="by-tier"><h2 id="by-tier">By risk tier</h2>${barChart({
    id: "chart-tiers",
    title: "Open findings by risk tier",
    description: `${total("count")} open findings: ${tiers.map((t) => `${value(t, "count")} ${t}`).join(", ")}; ${total("breached")} past their SLA, ${total("dueSoon")} due within 7 days.`,
    categoryLabel: "Tier",
    categories: tiers,
    series: [
      { name: "Open", values: tiers.map((t) => value(t, "count")) },
      { name: "SLA breached", values: tiers.map((t) => value(t, "breached")) },
      { name: "Due within 7 days", values: tiers.map((t) => value(t, "dueSoon")) },
    ],
  })}</section>`;
}

function teamSection(org: string, groups: readonly OpenGroup[]): string {
  const rows = [...sumBy(groups, (g) => g.team ?? "")].map(([team, t]) => [
    team ? pageLink(teamPath(org, team), team) : "no owning team",
    t.count,
    t.breached,
    t.dueSoon,
  ]);
  return `<section aria-labelledby="by-team"><h2 id="by-team">Open findings by owning team</h2>${table(["Team", "Open", "SLA breached", "Due within 7 days"], rows)}</section>`;
}

function stateSection(groups: readonly OpenGroup[]): string {
  const rows = [...sumBy(groups, (g) => g.state)].map(([state, t]) => [words(state), t.count, t.breached]);
  return `<section aria-labelledby="by-state"><h2 id="by-state">Open findings by state</h2>${table(["State", "Open", "SLA breached"], rows)}</section>`;
}

async function waitingSection(request: PageRequest, org: string, now: number): Promise<string> {
  const waiting = await waitingOnPeople(request.store.db, org, LIST);
  const rows = waiting.map((w) => [
    pageLink(findingPath(w.id), w.id.slice(0, 12)),
    w.title,
    WAITING_STATES[w.state as WaitingState],
    w.team,
    isoDay(w.since),
    duration(now - w.since),
  ]);
  return `<section aria-labelledby="waiting"><h2 id="waiting">Waiting on a person</h2><p>Approvals, false-positive reviews and exception requests, longest wait first.</p>${table(["Finding", "Title", "Waiting for", "Team", "Since", "Waited"], rows)}</section>`;
}

async function oldestSection(request: PageRequest, org: string, now: number): Promise<string> {
  const oldest = await oldestOpen(request.store.db, org, LIST);
  const rows = oldest.map((f) => [
    pageLink(findingPath(f.id), f.id.slice(0, 12)),
    f.title,
    f.tier,
    words(f.state),
    f.team,
    isoDay(f.firstSeen),
    duration(now - f.firstSeen),
    isoDay(f.slaDue),
  ]);
  return `<section aria-labelledby="oldest"><h2 id="oldest">Oldest open findings</h2>${table(["Finding", "Title", "Tier", "State", "Team", "Detected", "Age", "SLA due"], rows)}</section>`;
}

async function render(request: PageRequest): Promise<PageResult> {
  const org = request.params[0] as string;
  const now = request.now().getTime();
  const groups = await openGroups(request.store.db, org, now);
  const sum = (k: keyof Totals) => groups.reduce((n, g) => n + g[k], 0);
  const waiting = groups.filter((g) => g.state in WAITING_STATES).reduce((n, g) => n + g.count, 0);
  const summary = `<div class="figures">${dl([
    ["Open findings", sum("count")],
    ["SLA breached", sum("breached")],
    ["Due within 7 days", sum("dueSoon")],
    ["Waiting on a person", waiting],
  ])}</div>`;
  const body = [
    orgNav(org, "overview"),
    `<h1>${htmlText(org)}: overview</h1>`,
    `<p class="as-of">As of ${htmlText(new Date(now).toISOString().slice(0, 16).replace("T", " "))} UTC.</p>`,
    summary,
    tierSection(groups),
    `<div class="columns">${teamSection(org, groups)}${stateSection(groups)}</div>`,
    await waitingSection(request, org, now),
    await oldestSection(request, org, now),
  ];
  return { kind: "html", title: `${org}: overview`, body: body.join("\n") };
}

export const overviewPage: PageSpec = {
  name: "overview",
  pattern: /^\/orgs\/([^/]+)$/,
  access: "org",
  render: (request) => answering(() => render(request)),
};
