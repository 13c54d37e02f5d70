// The evidence record as a page an auditor reads in a browser (the API serves it; `fixloop
// evidence --format html` writes it). Finding text is untrusted: every value is escaped and URLs
// are shown as text, never links; the API serves it with a Content-Security-Policy that allows
// nothing to load or run.

import { linksLabel, resourceDescription, ruleLabel } from "./labels.ts";
import type { EvidenceRecord } from "./record.ts";

/** Text as HTML character data or a quoted attribute value: nothing in it can become markup. */
export function htmlText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Markup built from escaped parts (a link, a list): `dl` and `table` put it in as it is. */
export interface Markup {
  html: string;
}
type Cell = string | number | boolean | null | undefined | Markup;
const cellHtml = (v: Cell) => (typeof v === "object" && v !== null ? v.html : htmlText(v));

export function dl(pairs: Array<[string, Cell]>): string {
  return `<dl>${pairs.map(([k, v]) => `<dt>${htmlText(k)}</dt><dd>${cellHtml(v)}</dd>`).join("")}</dl>`;
}

export function table(header: string[], rows: Array<Array<Cell>>): string {
  if (rows.length === 0) return "<p>None recorded.</p>";
  const head = header.map((h) => `<th>${htmlText(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${cellHtml(c)}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** The evidence record as a page an auditor reads in a browser; URLs are shown as text, never links. */
export function evidenceHtml(r: EvidenceRecord): string {
  const f = r.finding;
  const fixes = r.remediations.map(
    (fix, i) =>
      `<h3>Attempt ${i + 1}</h3>${dl([
        ["Pull request", fix.prUrl ?? (fix.prNumber !== null ? `#${fix.prNumber}` : "not opened")],
        ["Repository", fix.repository],
        ["Branch", fix.branch],
        ["Commit", fix.commitSha],
        ["Merge commit", fix.mergeCommitSha],
        ["Files", fix.files.join(", ")],
        ["Recorded", fix.createdAt],
      ])}${fix.diff ? `<pre>${htmlText(fix.diff)}</pre>` : ""}`,
  );
  const sections = [
    `<h1>Evidence for finding ${htmlText(f.id)}</h1>`,
    dl([
      ["Title", f.title],
      ["State", f.state],
      ["Rule", ruleLabel(f.rule)],
      ["Severity", f.severity],
      ["Resource", resourceDescription(f.resource)],
    ]),
    "<h2>Detection</h2>",
    dl([
      ["Detected", r.detection.detectedAt],
      ["Last seen", r.detection.lastSeen],
      ["Recorded by fixloop", r.detection.recordedAt],
    ]),
    table(
      ["tool", "format", "source id", "status", "first seen", "last seen"],
      r.detection.sources.map((s) => [
        s.tool,
        s.format,
        s.sourceFindingId,
        s.status,
        s.firstSeen,
        s.lastSeen,
      ]),
    ),
    "<h2>Risk</h2>",
    `<p>${htmlText(r.risk.explanation)}</p>`,
    table(
      ["factor", "value", "weight"],
      r.risk.factors.map((x) => [x.name, String(x.value), x.weight]),
    ),
    "<h2>Assignment</h2>",
    dl([
      ["Team", r.assignment.team],
      ["Reviewers", r.assignment.reviewers.join(", ") || null],
      ["Decided by", r.assignment.decidedBy],
    ]),
    "<h2>Remediation</h2>",
    fixes.length > 0 ? fixes.join("") : "<p>No fix recorded yet.</p>",
    "<h2>Verification</h2>",
    `<p>Result: ${htmlText(r.verification.result)}</p>`,
    table(
      ["observed", "kind", "result", "checked by", "detail", "links"],
      r.verification.checks.map((c) => [
        c.observedAt,
        c.kind,
        c.result,
        c.checkedBy,
        c.detail,
        linksLabel(c.links),
      ]),
    ),
    "<h2>SLA</h2>",
    dl([
      ["Due", r.sla.due],
      ["Resolved", r.sla.resolvedAt ?? "not yet"],
      [
        "Breached",
        r.sla.breached
          ? `yes${r.sla.breachedAt && r.sla.breachedAt !== r.sla.due ? `, recorded at ${r.sla.breachedAt}` : ""}`
          : "no",
      ],
    ]),
    "<h2>Audit trail</h2>",
    table(
      ["time", "from", "to", "actor", "reason", "links"],
      r.audit.map((e) => [e.at, e.from, e.to, e.actorLabel, e.reason, linksLabel(e.links)]),
    ),
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>fixloop evidence ${htmlText(f.id)}</title></head>
<body>
${sections.join("\n")}
</body></html>
`;
}
