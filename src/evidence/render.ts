// The evidence record as JSON (the record itself), CSV (one row per audit event, for
// spreadsheets), Markdown (for a PR, an issue or an audit folder) and HTML (./html.ts, for a
// browser), from one table of renderers. Much of the text came from findings and is untrusted, so
// each medium neutralizes what would be live in it: formulas in a spreadsheet, markup and
// @mentions in Markdown, tags in HTML. Pure and deterministic: same record, same bytes.

import { evidenceHtml } from "./html.ts";
import { linkPairs, linksLabel, resourceDescription, ruleLabel } from "./labels.ts";
import type { EvidenceRecord, EvidenceRemediation } from "./record.ts";

/** The formats a period export (`--since`) is written in. */
export const EVIDENCE_FORMATS = ["json", "csv", "md"] as const;
export type EvidenceFormat = (typeof EVIDENCE_FORMATS)[number];

interface EvidenceRenderer {
  contentType: string;
  render(record: EvidenceRecord): string;
}

/** The formats one finding's evidence record is written in: the API and the CLI read this table. */
export const EVIDENCE_RENDERERS = {
  json: { contentType: "application/json; charset=utf-8", render: (r) => `${JSON.stringify(r, null, 2)}\n` },
  csv: { contentType: "text/csv; charset=utf-8", render: (r) => evidenceCsv(r) },
  md: { contentType: "text/markdown; charset=utf-8", render: (r) => evidenceMarkdown(r) },
  html: { contentType: "text/html; charset=utf-8", render: (r) => evidenceHtml(r) },
} as const satisfies Record<string, EvidenceRenderer>;

export type EvidenceRecordFormat = keyof typeof EVIDENCE_RENDERERS;
export const EVIDENCE_RECORD_FORMATS = Object.keys(EVIDENCE_RENDERERS) as EvidenceRecordFormat[];

export function isEvidenceRecordFormat(format: string): format is EvidenceRecordFormat {
  return Object.hasOwn(EVIDENCE_RENDERERS, format);
}

export function renderEvidence(record: EvidenceRecord, format: EvidenceRecordFormat): string {
  return EVIDENCE_RENDERERS[format].render(record);
}

// ---- CSV ----------------------------------------------------------------------------------------

export const CSV_COLUMNS = [
  "finding_id",
  "detected_at",
  "source",
  "rule",
  "risk_tier",
  "risk_score",
  "team",
  "pr",
  "commit",
  "verification",
  "event_at",
  "from_state",
  "to_state",
  "actor",
  "reason",
  "links",
] as const;

/**
 * One CSV field (RFC 4180). A spreadsheet runs a cell that starts with = + - @ (or a tab or CR
 * before one) as a formula — `=HYPERLINK(…)` in a finding title would become a live link, or worse
 * — so such a cell gets a leading apostrophe, which Excel, LibreOffice and Sheets read as "text".
 * Leading whitespace is looked through because some importers trim it before deciding.
 */
export function csvField(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? "" : String(value);
  if (/^[\t\r]/.test(s) || /^\s*[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The PR of the latest fix attempt: its URL, else its number. */
function prOf(fix: EvidenceRemediation | undefined): string {
  if (!fix) return "";
  return fix.prUrl ?? (fix.prNumber !== null ? `#${fix.prNumber}` : "");
}

export function evidenceCsv(r: EvidenceRecord): string {
  const fix = r.remediations[r.remediations.length - 1];
  const findingCells = [
    r.finding.id,
    r.detection.detectedAt,
    r.detection.sources.map((s) => `${s.tool} ${s.sourceFindingId}`).join("; "),
    ruleLabel(r.finding.rule),
    r.risk.tier,
    r.risk.score,
    r.assignment.team,
    prOf(fix),
    fix?.mergeCommitSha ?? fix?.commitSha ?? "",
    r.verification.result,
  ];
  // A finding always has at least its "new" event; an empty trail would still get its row.
  const events = r.audit.length > 0 ? r.audit : [undefined];
  const rows = events.map((e) => [
    ...findingCells,
    e?.at,
    e?.from,
    e?.to,
    e?.actorLabel,
    e?.reason,
    e ? linksLabel(e.links) : "",
  ]);
  return [CSV_COLUMNS, ...rows].map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}

// ---- Markdown -----------------------------------------------------------------------------------

/**
 * Untrusted text as inert Markdown: every character that could start markup (emphasis, code,
 * links, images, HTML, tables, headings, strikethrough, entities) is backslash-escaped, line breaks
 * become spaces (a line break would end a table row or start a block), other control characters
 * become U+FFFD (a terminal showing the file would run them), and an @ before a name gets
 * a zero-width space after it so GitHub does not notify that user or team.
 */
export function mdText(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  return (
    String(value)
      .replace(/\r\n|\r|\n/g, " ")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: other control characters are dropped on purpose
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "\uFFFD")
      .replace(/[\\`*_[\]<>|#&!~]/g, "\\$&")
      .replace(/@(?=[\p{L}\p{N}_-])/gu, "@\u200B")
  );
}

/** A fenced block that the content cannot close: the fence is longer than any backtick run in it. */
function mdFence(info: string, content: string): string {
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${content.endsWith("\n") ? content : `${content}\n`}${fence}`;
}

function slaText(sla: EvidenceRecord["sla"]): string {
  // A breach no sweep recorded carries the due date as its time (src/evidence/record.ts).
  if (sla.breachedAt && sla.breachedAt !== sla.due) return `yes, recorded at ${mdText(sla.breachedAt)}`;
  if (sla.breached) return "yes, resolved after the due date";
  return sla.resolvedAt ? "no, resolved in time" : "no breach recorded";
}

function mdTable(header: string[], rows: string[][]): string {
  return [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

const NONE = "—";

function mdLinks(links: Parameters<typeof linkPairs>[0]): string {
  return linkPairs(links)
    .map(([k, v]) => `${k}: ${mdText(v)}`)
    .join(", ");
}

function remediationSection(fix: EvidenceRemediation, n: number, of: number): string[] {
  const pr = fix.prNumber !== null ? `#${fix.prNumber}` : "";
  const prLine = [pr, mdText(fix.prUrl)].filter(Boolean).join(" ") || "not opened";
  const lines = [
    ...(of > 1 ? [`### Attempt ${n} of ${of}`, ""] : []),
    `- Pull request: ${prLine}`,
    `- Repository: ${mdText(fix.repository) || NONE}`,
    `- Branch: ${mdText(fix.branch) || NONE}`,
    `- Commit: ${mdText(fix.commitSha) || NONE}`,
    `- Merge commit: ${mdText(fix.mergeCommitSha) || NONE}`,
    `- Files: ${fix.files.map(mdText).join(", ") || NONE}`,
    `- Recorded: ${mdText(fix.createdAt)}`,
  ];
  if (fix.diff) lines.push("", mdFence("diff", fix.diff));
  return lines;
}

/** How many of the source's context keys the Markdown lists (the JSON has them all). */
const CONTEXT_KEYS_SHOWN = 30;

/** The attack path, the guidance and the source's own context keys, as inert text. */
function contextLines(c: EvidenceRecord["detection"]["context"] | undefined): string[] {
  if (!c) return [];
  const lines: string[] = [];
  if (c.attackPath) lines.push(`- Attack path (from the source): ${mdText(clipText(c.attackPath, 300))}`);
  if (c.guidance)
    lines.push(
      `- Guidance from the source: ${[c.guidance.text, c.guidance.url]
        .filter((x): x is string => !!x)
        .map((x) => mdText(clipText(x, 300)))
        .join(" ")}`,
    );
  const entries = Object.entries(c.sourceContext);
  for (const [key, value] of entries.slice(0, CONTEXT_KEYS_SHOWN))
    lines.push(
      `- Source context ${mdText(clipText(key, 80))}: ${mdText(clipText(contextValue(value), 200))}`,
    );
  if (entries.length > CONTEXT_KEYS_SHOWN)
    lines.push(
      `- … and ${entries.length - CONTEXT_KEYS_SHOWN} more source context keys (in the JSON record)`,
    );
  return lines;
}

/** A context value on one line: strings as they are, anything else as JSON. */
export function contextValue(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
}

function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function evidenceMarkdown(r: EvidenceRecord): string {
  const f = r.finding;
  const out: string[] = [
    `# Evidence for finding ${mdText(f.id)}`,
    "",
    `- Title: ${mdText(f.title)}`,
    `- State: ${mdText(f.state)}`,
    `- Rule: ${mdText(ruleLabel(f.rule))}`,
    `- Severity: ${mdText(f.severity)}`,
    `- Resource: ${mdText(resourceDescription(f.resource))}`,
    "",
    "## Detection",
    "",
    `- Detected: ${mdText(r.detection.detectedAt)}`,
    `- Last seen: ${mdText(r.detection.lastSeen)}`,
    `- Recorded by fixloop: ${mdText(r.detection.recordedAt)}`,
    ...r.detection.sources.map(
      (s) =>
        `- Source: ${mdText(s.tool)} (${mdText(s.format)}) ${mdText(s.sourceFindingId)}, ${mdText(s.status)}, first seen ${mdText(s.firstSeen)}, last seen ${mdText(s.lastSeen)}`,
    ),
    ...contextLines(r.detection.context),
    "",
    "## Risk",
    "",
    mdText(r.risk.explanation),
    "",
    mdTable(
      ["factor", "value", "weight"],
      r.risk.factors.map((x) => [mdText(x.name), mdText(x.value), mdText(x.weight)]),
    ),
    "",
    "## Assignment",
    "",
    `- Team: ${mdText(r.assignment.team) || NONE}`,
    `- Reviewers: ${r.assignment.reviewers.map(mdText).join(", ") || NONE}`,
    `- Decided by: ${mdText(r.assignment.decidedBy) || NONE}`,
    "",
    "## Remediation",
    "",
  ];
  if (r.remediations.length === 0) out.push("No fix recorded yet.");
  r.remediations.forEach((fix, i) => {
    if (i > 0) out.push("");
    out.push(...remediationSection(fix, i + 1, r.remediations.length));
  });
  out.push("", "## Verification", "", `Result: ${mdText(r.verification.result)}`, "");
  out.push(
    r.verification.checks.length === 0
      ? "No checks recorded yet."
      : mdTable(
          ["observed", "kind", "result", "checked by", "detail", "links"],
          r.verification.checks.map((c) => [
            mdText(c.observedAt),
            mdText(c.kind),
            mdText(c.result),
            mdText(c.checkedBy),
            mdText(c.detail),
            mdLinks(c.links),
          ]),
        ),
  );
  out.push(
    "",
    "## SLA",
    "",
    `- Due: ${mdText(r.sla.due)}`,
    `- Resolved: ${mdText(r.sla.resolvedAt) || "not yet"}`,
    `- Breached: ${slaText(r.sla)}`,
    "",
    "## Audit trail",
    "",
    mdTable(
      ["time", "from", "to", "actor", "reason", "links"],
      r.audit.map((e) => [
        mdText(e.at),
        e.from ? mdText(e.from) : NONE,
        mdText(e.to),
        mdText(e.actorLabel),
        mdText(e.reason),
        mdLinks(e.links),
      ]),
    ),
  );
  return `${out.join("\n")}\n`;
}
