// Rules tuning of one organization over a period: per rule, the findings seen, fixed, confirmed
// false positives, accepted, snoozed and PRs closed unmerged, with the reasons people gave — the
// same figures as `fixloop report tuning` (src/report/tuning.ts reads them from src/store/tuning.ts).

import { htmlText, table } from "../../evidence/html.ts";
import { readTuning } from "../../report/tuning.ts";
import type { PageRequest, PageResult, PageSpec } from "../contract.ts";
import { answering, BadQueryError, dateParam, isoDay, orgNav } from "./common.ts";

const DAY = 86_400_000;
const DEFAULT_DAYS = 90;

async function render(request: PageRequest): Promise<PageResult> {
  const org = request.params[0] as string;
  const now = request.now().getTime();
  const until = dateParam(request.url, "until", "until") ?? now;
  const since = dateParam(request.url, "since", "since") ?? until - DEFAULT_DAYS * DAY;
  if (since >= until) throw new BadQueryError("since", `must be before until (${isoDay(until - 1)})`);
  const tuning = await readTuning(request.store.db, { since, until, org });
  const rules = table(
    [
      "Rule",
      "Seen",
      "Fixed",
      "False positives",
      "Accepted",
      "Snoozed",
      "PRs closed unmerged",
      "Rejected share",
      "Reasons given",
    ],
    tuning.rules.map((r) => [
      r.rule,
      r.seen,
      r.outcomes.fixed,
      r.outcomes.false_positive,
      r.outcomes.accepted,
      r.outcomes.snoozed,
      r.outcomes.closed_unmerged,
      r.decided > 0 ? `${Math.round(r.share * 100)}% of ${r.decided}` : null,
      r.reasons.map((x) => `${x.reason} (${x.count})`).join("; ") || null,
    ]),
  );
  const sources = table(
    ["Source", "Format", "Seen", "Fixed", "False positives", "Accepted", "Snoozed", "PRs closed unmerged"],
    tuning.sources.map((s) => [
      s.tool,
      s.format,
      s.seen,
      s.outcomes.fixed,
      s.outcomes.false_positive,
      s.outcomes.accepted,
      s.outcomes.snoozed,
      s.outcomes.closed_unmerged,
    ]),
  );
  const body = [
    orgNav(org, "tuning"),
    `<h1>${htmlText(org)}: rules tuning</h1>`,
    `<form class="period" method="get"><label>Since <input type="date" name="since" value="${isoDay(since)}"></label><label>Until <input type="date" name="until" value="${isoDay(until - 1)}"></label><button type="submit">Show</button></form>`,
    `<p>What people decided about each rule's findings from ${isoDay(since)} to ${isoDay(until - 1)}: rules with the most rejections (false positives and PRs closed unmerged) first.</p>`,
    `<section aria-labelledby="rules"><h2 id="rules">Per rule</h2>${rules}</section>`,
    `<section aria-labelledby="sources"><h2 id="sources">Per source</h2>${sources}</section>`,
  ];
  return { kind: "html", title: `${org}: rules tuning`, body: body.join("\n") };
}

export const tuningPage: PageSpec = {
  name: "tuning",
  pattern: /^\/orgs\/([^/]+)\/tuning$/,
  access: "org",
  render: (request) => answering(() => render(request)),
};
