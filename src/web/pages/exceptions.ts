// The exceptions register of one organization: every accepted risk, snooze, confirmed false
// positive and inline suppression — by command, by file or in code — with approver, reason and
// expiry, sortable by expiry or by when it was granted (query links, no script). The rows are the
// register `fixloop exceptions` and GET /api/exceptions show (src/store/exceptions.ts).

import { htmlText, table } from "../../evidence/html.ts";
import { exceptionRegister, type RegisterRow } from "../../store/exceptions.ts";
import type { PageRequest, PageResult, PageSpec } from "../contract.ts";
import { answering, choiceParam, findingPath, isoDay, orgNav, orgPath, pageLink } from "./common.ts";

const SORTS = ["expiry", "granted"] as const;
const ORDERS = ["asc", "desc"] as const;
const SHOW = ["active", "all"] as const;

const KIND_LABEL: Record<string, string> = {
  exception: "accepted risk",
  snooze: "snooze",
  "false-positive": "false positive",
  "inline-suppression": "inline suppression",
};

function sorted(rows: RegisterRow[], sort: (typeof SORTS)[number], order: (typeof ORDERS)[number]) {
  const key = (r: RegisterRow) =>
    sort === "expiry" ? (r.expiresAt ?? Number.MAX_SAFE_INTEGER) : r.createdAt;
  const sign = order === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => sign * (key(a) - key(b)) || a.createdAt - b.createdAt);
}

/** A column header that sorts by `column`, toggling the order when it already does. */
function sortLink(base: string, label: string, column: string, sort: string, order: string, show: string) {
  const active = sort === column;
  const next = active && order === "asc" ? "desc" : "asc";
  const arrow = active ? (order === "asc" ? " ▲" : " ▼") : "";
  const href = `${base}?sort=${column}&order=${next}&show=${show}`;
  return `<a href="${htmlText(href)}">${htmlText(label + arrow)}<span class="visually-hidden">${htmlText(active ? `, sorted ${order === "asc" ? "ascending" : "descending"}; sort ${next === "asc" ? "ascending" : "descending"}` : ", sort")}</span></a>`;
}

async function render(request: PageRequest): Promise<PageResult> {
  const org = request.params[0] as string;
  const url = request.url;
  const sort = choiceParam(url, "sort", SORTS);
  const order = choiceParam(url, "order", ORDERS);
  const show = choiceParam(url, "show", SHOW);
  const now = request.now().getTime();
  const rows = sorted(
    await exceptionRegister(request.store.db, { includeEnded: show === "all", org }),
    sort,
    order,
  );
  const base = `${orgPath(org)}/exceptions`;
  const cells = rows.map((r) => [
    r.expiresAt === null ? "never" : `${isoDay(r.expiresAt - 1)}${r.expiresAt <= now ? " (ended)" : ""}`,
    KIND_LABEL[r.kind] ?? r.kind,
    r.origin,
    r.findingId ? pageLink(findingPath(r.findingId), r.findingId.slice(0, 12)) : null,
    r.rule,
    r.approvedBy ? `@${r.approvedBy}` : null,
    r.reason || null,
    r.reference,
    isoDay(r.createdAt),
  ]);
  const head = table(
    ["Expires", "Kind", "Origin", "Finding", "Rule", "Approved by", "Reason", "Where", "Granted"],
    cells,
  ).replace(
    /<th>Expires<\/th>(.*)<th>Granted<\/th>/,
    (_m, middle: string) =>
      `<th aria-sort="${sort === "expiry" ? (order === "asc" ? "ascending" : "descending") : "none"}">${sortLink(base, "Expires", "expiry", sort, order, show)}</th>${middle}<th aria-sort="${sort === "granted" ? (order === "asc" ? "ascending" : "descending") : "none"}">${sortLink(base, "Granted", "granted", sort, order, show)}</th>`,
  );
  const toggle =
    show === "active"
      ? pageLink(`${base}?sort=${sort}&order=${order}&show=all`, "Also show ended and revoked ones").html
      : pageLink(`${base}?sort=${sort}&order=${order}&show=active`, "Show only those in force").html;
  const body = [
    orgNav(org, "exceptions"),
    `<h1>${htmlText(org)}: exceptions register</h1>`,
    `<p>${rows.length} ${show === "active" ? "in force" : "in all, ended and revoked included"}: accepted risks and snoozes (by command or by <code>.github/fixloop-exceptions.yml</code>), confirmed false positives and suppressions written in code. ${toggle}.</p>`,
    head,
  ];
  return { kind: "html", title: `${org}: exceptions register`, body: body.join("\n") };
}

export const exceptionsPage: PageSpec = {
  name: "exceptions",
  pattern: /^\/orgs\/([^/]+)\/exceptions$/,
  access: "org",
  render: (request) => answering(() => render(request)),
};
