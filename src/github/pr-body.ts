// The body of a remediation pull request (templates/pr-body.md): what is wrong and why it matters,
// the change, its impact, how the fix will be verified, the findings, who it is routed to and the
// commands. Pure. Titles, rule ids, tool names, factor values, impact notes and links come from
// findings or repositories and are untrusted, so every value goes through src/github/markdown.ts.
// The template gets only top-level values (no `{{#list}}` sections): src/report/template.ts
// substitutes placeholders again in text a section has already rendered, so untrusted text inside a
// section could pull in another value.

import { renderTemplate } from "../report/template.ts";
import { slaLine } from "../sla/ladder.ts";
import type { RiskFactor, Tier } from "../triage/risk.ts";
import type { GitHubHost } from "./hosts.ts";
import {
  clip,
  externalLink,
  mdCode,
  mdFenceBounded,
  mdInline,
  plural,
  safeLink,
  sourceLinkHosts,
} from "./markdown.ts";

/** GitHub rejects a pull request or issue body longer than this. */
export const BODY_LIMIT = 65_536;
const DIFF_MAX_LINES = 300;
const SUMMARY_FINDINGS = 10;
const TABLE_ROWS = 50;
const LIST_ITEMS = 20;
const FILES_SHOWN = 50;

export interface PrFinding {
  /** The finding id (its hex dedupe key); embedded in the marker, so it must match FINDING_ID. */
  id: string;
  title: string;
  rule: { catalogId: string | null; nativeId: string };
  sourceTool: string;
  /** ISO 8601, as the source reported it. */
  firstSeen: string | null;
  /** The finding in its source's console: a link only on that source's known hosts. */
  sourceLink: string | null;
  risk: { score: number; tier: Tier; explanation: string; factors: RiskFactor[] };
  attackPath: boolean;
  /** The attack path as the source describes it ("Internet -> EC2 -> S3:GetObject"): untrusted text. */
  attackPathText?: string | null;
  /** What the source says to do: a URL (a link only when https) and/or text. */
  guidance?: Guidance | null;
  /** The SLA: its due date (ISO 8601) and length in hours (null: unknown). */
  sla?: { due: string; hours: number | null } | null;
}

export interface Guidance {
  url: string | null;
  text: string | null;
}

export interface Command {
  /** `/fixloop retry` */
  usage: string;
  description: string;
}

export interface VerificationPlan {
  mode: "code" | "runtime" | "both";
  /** How long a runtime re-scan is waited for. */
  waitHours: number;
}

export interface PrBodyInput {
  host: GitHubHost;
  findings: PrFinding[];
  change: {
    files: string[];
    /** Unified diff of the whole change. */
    diff: string;
    /** One line per catalog rule applied: what the fix does. */
    fixes: Array<{ ruleId: string; summary: string }>;
  };
  /** Side effects a reviewer must weigh: "forces replacement of aws_db_instance.main". */
  impactNotes: string[];
  verification: VerificationPlan;
  /** The owner resolution's sentence: "Routed to @acme/payments because …". */
  routing: string;
  commands: Command[];
  /** Who opened it: the app (which verifies after merge and answers commands) or the CLI from CI. */
  origin?: "app" | "cli";
}

export const FINDING_ID = /^[A-Za-z0-9:_-]+$/;

/** The hidden line that ties a pull request to its findings; ids are checked so none can end the comment. */
export function prMarker(ids: readonly string[]): string {
  if (ids.length === 0) throw new Error("a fixloop pull request needs at least one finding id");
  const bad = ids.find((id) => !FINDING_ID.test(id));
  if (bad !== undefined) throw new Error(`not a finding id: ${JSON.stringify(clip(bad, 40))}`);
  return `<!-- fixloop:finding=${ids.join(",")} v=1 -->`;
}

/** `S3_PUBLIC_ACCESS` (`CKV_AWS_20`), or the source's id alone when no catalog rule maps to it. */
export function ruleText(rule: PrFinding["rule"], table = false): string {
  const native = mdCode(rule.nativeId, { maxLength: 80, table });
  if (!rule.catalogId || rule.catalogId === rule.nativeId) return native;
  return `${mdCode(rule.catalogId, { maxLength: 80, table })} (${native})`;
}

/** `high severity (70 points) × internet reachable (×1.5)`: the factors in the order they multiply. */
export function factorsText(factors: readonly RiskFactor[]): string {
  return factors
    .map((f) => `${mdInline(f.value, 80)} (${f.name === "severity" ? `${f.weight} points` : `×${f.weight}`})`)
    .join(" × ");
}

function findingSummary(f: PrFinding): string {
  const lines = [
    `**${mdInline(f.title, 200) || "Untitled finding"}**, ${ruleText(f.rule)} from ${mdInline(f.sourceTool, 40)}`,
    "",
    mdInline(f.risk.explanation, 300),
  ];
  if (f.sla) lines.push("", `SLA: ${slaText(f)}`);
  if (f.attackPathText) lines.push("", attackPathLine(f.attackPathText));
  else if (f.attackPath) lines.push("", "The source reports this resource on an attack path.");
  const guidance = guidanceLine(untitledGuidance(f));
  if (guidance) lines.push("", guidance);
  if (f.risk.factors.length > 0) lines.push("", `Factors: ${factorsText(f.risk.factors)}`);
  return lines.join("\n");
}

/** `due 2026-11-04 14:00 UTC (48 h, critical tier)`; fixloop's own values, escaped all the same. */
export function slaText(f: Pick<PrFinding, "sla" | "risk">): string {
  return f.sla ? mdInline(slaLine(f.sla.due, f.sla.hours, f.risk.tier), 120) : "";
}

/** "The source reports this attack path: `Internet -> EC2 -> S3:GetObject`" (code: shown as sent, inert). */
export function attackPathLine(text: string): string {
  return `The source reports this attack path: ${mdCode(text, { maxLength: 300 })}`;
}

/** "Guidance from the source: Set specific allowed ports ([tfsec.dev/docs/…](…))", or "" when none. */
export function guidanceLine(g: Guidance | null | undefined): string {
  const text = g?.text?.trim() ? mdInline(g.text, 300) : "";
  const link = g?.url?.trim() ? externalLink(g.url) : "";
  if (!text && !link) return "";
  return `Guidance from the source: ${text && link ? `${text} (${link})` : text || link}`;
}

/** The guidance without its text when the finding's title already is that text (a title-less
 *  generic finding is titled with its remediation text). */
export function untitledGuidance(f: Pick<PrFinding, "title" | "guidance">): Guidance | null {
  if (!f.guidance) return null;
  return f.guidance.text?.trim() === f.title.trim() ? { ...f.guidance, text: null } : f.guidance;
}

function summary(findings: readonly PrFinding[]): string {
  const parts = findings.slice(0, SUMMARY_FINDINGS).map(findingSummary);
  const intro = findings.length > 1 ? [`This pull request fixes ${findings.length} findings.`] : [];
  const rest = findings.length - SUMMARY_FINDINGS;
  const outro = rest > 0 ? [`${plural(rest, "more finding")} in the table below.`] : [];
  return [...intro, ...parts, ...outro].join("\n\n");
}

/** A bulleted list of at most `max` items, saying how many were left out. */
function bullets(items: readonly string[], max: number, empty: string): string {
  if (items.length === 0) return empty;
  const lines = items.slice(0, max).map((item) => `- ${item}`);
  if (items.length > max) lines.push(`- … and ${items.length - max} more`);
  return lines.join("\n");
}

function filesText(files: readonly string[]): string {
  if (files.length === 0) return "none";
  const shown = files.slice(0, FILES_SHOWN).map((f) => mdCode(f, { maxLength: 200 }));
  const more = files.length > FILES_SHOWN ? ` and ${files.length - FILES_SHOWN} more` : "";
  return `${shown.join(", ")}${more}`;
}

/** "checkov", "checkov and wiz", "checkov, trivy and wiz" */
function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

export function rescanText(plan: VerificationPlan, findings: readonly PrFinding[]): string {
  const sources = andList([...new Set(findings.map((f) => f.sourceTool))].map((t) => mdInline(t, 40)));
  const code =
    "re-scans the merged Terraform with fixloop's rule catalog: the rule must no longer report the resource, and the change must add no new finding";
  const runtime = `waits up to ${plural(plan.waitHours, "hour")} for ${sources} to report the resource as passing`;
  switch (plan.mode) {
    case "code":
      return `${code}.`;
    case "runtime":
      return `${runtime}.`;
    case "both":
      return `${code}; then ${runtime}.`;
  }
}

function findingsTable(host: GitHubHost, findings: readonly PrFinding[]): string {
  const rows = findings.slice(0, TABLE_ROWS).map((f) => {
    const link = f.sourceLink
      ? safeLink(f.sourceLink, sourceLinkHosts(f.sourceTool, host), { label: "open", table: true })
      : "—";
    const cells = [
      mdCode(f.id.slice(0, 12), { table: true }),
      mdInline(f.title, 80),
      ruleText(f.rule, true),
      mdInline(f.sourceTool, 40),
      mdInline(f.firstSeen ?? "—", 40),
      link,
    ];
    return `| ${cells.join(" | ")} |`;
  });
  const rest = findings.length - TABLE_ROWS;
  const more = rest > 0 ? `\n\n${plural(rest, "more finding")} not listed here.` : "";
  return [
    "| Finding | Title | Rule | Source | First seen | Source link |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ]
    .join("\n")
    .concat(more);
}

function diffNote(omitted: number, total: number): string {
  return omitted === total
    ? "_The diff is too long to show here: it is in the **Files changed** tab._"
    : `_The diff is cut here: ${plural(omitted, "more line")} in the **Files changed** tab._`;
}

/** The diff in a fence, within `budget` characters including the note that says it was cut. */
function diffText(diff: string, budget: number): string {
  const total = mdFenceBounded("diff", diff, { maxLines: 0 }).totalLines;
  if (total === 0) return "_No diff._";
  const reserve = diffNote(total - 1, total).length + 2;
  const fenced = mdFenceBounded("diff", diff, { maxLines: DIFF_MAX_LINES, maxChars: budget - reserve });
  if (fenced.omittedLines === 0) return fenced.text;
  if (fenced.text === "" || fenced.omittedLines === total) return diffNote(total, total);
  return `${fenced.text}\n\n${diffNote(fenced.omittedLines, total)}`;
}

/** A last resort for a body that is still too long without the diff: cut it, and say so. */
export function clipBody(body: string, limit = BODY_LIMIT): string {
  if (body.length <= limit) return body;
  const tail = "\n\n_This description was cut at GitHub's length limit._\n";
  let cut = body.slice(0, limit - tail.length);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}${tail}`;
}

export function renderPrBody(input: PrBodyInput): string {
  if (input.findings.length === 0) throw new Error("a fixloop pull request needs at least one finding");
  const scope = {
    marker: prMarker(input.findings.map((f) => f.id)),
    summary: summary(input.findings),
    fixes: bullets(
      input.change.fixes.map((x) => `${mdCode(x.ruleId, { maxLength: 80 })}: ${mdInline(x.summary, 300)}`),
      LIST_ITEMS,
      "No rule fix recorded.",
    ),
    files: filesText(input.change.files),
    impact: bullets(
      // The catalog's notes run to ~550 characters; 300 cut the disruption warnings mid-sentence.
      input.impactNotes.map((n) => mdInline(n, 1000)),
      LIST_ITEMS,
      "No replacement or other side effect is known for this change.",
    ),
    verification:
      input.origin === "cli"
        ? "Opened from CI with `fixloop fix --open-pr`: nothing watches this pull request after it merges. Re-run the scan that reported the finding (or post it to the fixloop app) to confirm the fix."
        : [
            "After this pull request is merged, fixloop:",
            "",
            "1. waits for CI on the merge commit to pass (the checks this repository requires, or every check when none are required);",
            `2. ${rescanText(input.verification, input.findings)}`,
            "",
            "The finding is marked resolved only when both pass; otherwise it is reopened with the reason.",
          ].join("\n"),
    findings: findingsTable(input.host, input.findings),
    routing: mdInline(input.routing, 500) || "No owner was found for this change.",
    // Commands are answered only by the app; a PR opened from CI lists none.
    commands:
      input.origin === "cli" || input.commands.length === 0
        ? ""
        : `## Commands\n\nComment in this pull request:\n\n${bullets(
            input.commands.map(
              (c) => `${mdCode(c.usage, { maxLength: 80 })}: ${mdInline(c.description, 200)}`,
            ),
            LIST_ITEMS,
            "none",
          )}\n\n`,
  };
  // The diff is what gives way first: it gets whatever the rest of the body leaves.
  const rest = renderTemplate("pr-body.md", { ...scope, diff: "" });
  const diff = diffText(input.change.diff, BODY_LIMIT - rest.length);
  return clipBody(renderTemplate("pr-body.md", { ...scope, diff }));
}
