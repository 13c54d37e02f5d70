// One finding's evidence (the page the "Verified" comment links to): the evidence record
// (src/evidence/record.ts) with the raw source records, the location evidence, the PR and its diff,
// every check and every audit event with its actor, and real links to GitHub (https only).
// Access: the viewer must be allowed this finding; otherwise the page does not exist.

import { dl, htmlText, type Markup, table } from "../../evidence/html.ts";
import { actorLabel, linkPairs, resourceDescription, ruleLabel } from "../../evidence/labels.ts";
import { buildEvidenceRecord, type EvidenceRecord } from "../../evidence/record.ts";
import type { Links } from "../../lifecycle/machine.ts";
import { findingScopeOf, fixLocationsOf } from "../../store/dashboard.ts";
import { findingSources } from "../../store/findings.ts";
import type { PageRequest, PageResult, PageSpec } from "../contract.ts";
import { answering, externalLink, githubLabel, isoMinute, NOT_FOUND, words } from "./common.ts";

const when = (iso: string | null) => (iso === null ? null : isoMinute(Date.parse(iso)));

/** An event's or check's links as real links, in the labels' fixed order. */
function linksHtml(links: Links): Markup {
  const pairs = linkPairs(links);
  if (pairs.length === 0) return { html: "—" };
  return {
    html: pairs.map(([k, url]) => `${htmlText(k)}: ${externalLink(url, githubLabel(url)).html}`).join("<br>"),
  };
}

function summary(r: EvidenceRecord): string {
  const f = r.finding;
  return dl([
    ["Title", f.title],
    ["State", words(f.state)],
    ["Verification", r.verification.result],
    ["Rule", ruleLabel(f.rule)],
    ["Severity", f.severity],
    ["Risk", `${r.risk.tier} (${r.risk.score}/100)`],
    ["Resource", resourceDescription(f.resource)],
    ["Owning team", r.assignment.team],
    ["SLA due", when(r.sla.due)],
    ["SLA breached", r.sla.breached ? `yes${r.sla.breachedAt ? `, ${when(r.sla.breachedAt)}` : ""}` : "no"],
    ["Resolved", when(r.sla.resolvedAt) ?? "not yet"],
  ]);
}

async function detection(request: PageRequest, r: EvidenceRecord): Promise<string> {
  const raws = await findingSources(request.store.db, r.finding.id);
  const sources = table(
    ["Tool", "Format", "Source id", "Status", "First seen", "Last seen"],
    r.detection.sources.map((s) => [
      s.tool,
      s.format,
      s.sourceFindingId,
      s.status,
      when(s.firstSeen),
      when(s.lastSeen),
    ]),
  );
  const rawRecords = raws
    .map(
      (s) =>
        `<details><summary>Raw record from ${htmlText(s.tool)} (${htmlText(s.format)})</summary><pre class="raw">${htmlText(JSON.stringify(s.raw, null, 2))}</pre></details>`,
    )
    .join("");
  const guidance = r.detection.context.guidance;
  return `<section aria-labelledby="detection"><h2 id="detection">Detection</h2>${dl([
    ["Detected", when(r.detection.detectedAt)],
    ["Last seen", when(r.detection.lastSeen)],
    ["Recorded by fixloop", when(r.detection.recordedAt)],
    ["Guidance", guidance ? (guidance.url ? externalLink(guidance.url) : guidance.text) : null],
  ])}<h3>Sources</h3>${sources}${rawRecords}</section>`;
}

function risk(r: EvidenceRecord): string {
  return `<section aria-labelledby="risk"><h2 id="risk">Risk</h2><p>${htmlText(r.risk.explanation)}</p>${table(
    ["Factor", "Value", "Weight"],
    r.risk.factors.map((x) => [x.name, String(x.value), x.weight]),
  )}${dl([["Attack path", r.detection.context.attackPath ?? "none given by the source"]])}</section>`;
}

async function location(request: PageRequest, r: EvidenceRecord): Promise<string> {
  const located = await fixLocationsOf(request.store.db, r.finding.id);
  const res = r.finding.resource;
  return `<section aria-labelledby="location"><h2 id="location">Location evidence</h2>${dl([
    ["Resource as reported", resourceDescription(res)],
  ])}${table(
    ["Repository", "File", "Resource address"],
    located.map((l) => [l.repository, l.file, l.address]),
  )}</section>`;
}

function remediation(r: EvidenceRecord): string {
  const attempts = r.remediations.map(
    (fix, i) =>
      `<h3>Attempt ${i + 1}</h3>${dl([
        [
          "Pull request",
          fix.prUrl ? externalLink(fix.prUrl) : fix.prNumber !== null ? `#${fix.prNumber}` : "not opened",
        ],
        ["Repository", fix.repository],
        ["Branch", fix.branch],
        ["Commit", fix.commitSha],
        ["Merge commit", fix.mergeCommitSha],
        ["Files", fix.files.join(", ") || null],
        ["Recorded", when(fix.createdAt)],
      ])}${fix.diff ? `<pre class="diff">${htmlText(fix.diff)}</pre>` : ""}`,
  );
  return `<section aria-labelledby="remediation"><h2 id="remediation">Assignment and fix</h2>${dl([
    ["Team", r.assignment.team],
    ["Reviewers", r.assignment.reviewers.join(", ") || null],
    ["Decided by", r.assignment.decidedBy],
  ])}${attempts.join("") || "<p>No fix recorded yet.</p>"}</section>`;
}

function verification(r: EvidenceRecord): string {
  return `<section aria-labelledby="verification"><h2 id="verification">Verification</h2><p>Result: <strong>${htmlText(r.verification.result)}</strong></p>${table(
    ["Observed", "Kind", "Result", "Checked by", "Detail", "Links"],
    r.verification.checks.map((c) => [
      when(c.observedAt),
      c.kind,
      c.result,
      c.checkedBy,
      c.detail || null,
      linksHtml(c.links),
    ]),
  )}</section>`;
}

function audit(r: EvidenceRecord): string {
  return `<section aria-labelledby="audit"><h2 id="audit">Decisions and audit trail</h2>${table(
    ["Time", "From", "To", "Actor", "Reason", "Links"],
    r.audit.map((e) => [
      when(e.at),
      e.from ? words(e.from) : null,
      words(e.to),
      actorLabel(e.actor),
      e.reason,
      linksHtml(e.links),
    ]),
  )}</section>`;
}

async function render(request: PageRequest): Promise<PageResult> {
  const id = request.params[0] as string;
  const scope = await findingScopeOf(request.store.db, id);
  // Not there and not allowed look the same.
  if (!scope || !(await request.viewer.canSeeFinding(scope))) return NOT_FOUND;
  const r = await buildEvidenceRecord(request.store.db, id);
  const body = [
    `<h1>Evidence for finding <code>${htmlText(id)}</code></h1>`,
    summary(r),
    await detection(request, r),
    risk(r),
    await location(request, r),
    remediation(r),
    verification(r),
    audit(r),
  ];
  return { kind: "html", title: `Finding ${id.slice(0, 12)}: ${r.finding.title}`, body: body.join("\n") };
}

export const findingPage: PageSpec = {
  name: "finding",
  pattern: /^\/findings\/([^/]+)$/,
  access: "finding",
  render: (request) => answering(() => render(request)),
};
