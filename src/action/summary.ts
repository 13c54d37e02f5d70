// The job summary the Action writes: what was found, what was fixed (with the PR), what remains.
// Every cell holds text from the repository or a finding: untrusted, escaped for a Markdown table.

import type { ActionInputs } from "./run-action.ts";

export interface Remaining {
  tier: string;
  what: string;
  where: string;
  why?: string | undefined;
}

export interface Summarized {
  inputs: ActionInputs;
  scan: {
    findings: Array<{
      ruleId: string;
      severity: string;
      file: string;
      line: number;
      resource: { address: string };
    }>;
    errors: Array<{ file: string; line: number; message: string }>;
  };
  fixed: Array<{ what: string; where: string; pr?: string | undefined }>;
  remaining: Remaining[];
  failing: Remaining[];
}

/** Table-cell text: no pipes, no newlines, no HTML, code spans that cannot be broken out of. */
export function cell(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/`/g, "'");
}

export function actionSummary(s: Summarized): string {
  const { inputs, scan } = s;
  const out = [`## fixloop ${inputs.mode}: \`${cell(inputs.directory)}\``, ""];
  out.push(
    `**${scan.findings.length} found** by the rule catalog, **${s.fixed.length} fixed**, **${s.remaining.length} remaining**.`,
    "",
  );
  if (scan.findings.length > 0) {
    out.push("### Found", "", "| severity | rule | resource | file |", "|---|---|---|---|");
    for (const f of scan.findings)
      out.push(
        `| ${f.severity} | \`${cell(f.ruleId)}\` | \`${cell(f.resource.address)}\` | ${cell(f.file)}:${f.line} |`,
      );
    out.push("");
  }
  if (s.fixed.length > 0) {
    out.push("### Fixed", "", "| finding | file | pull request |", "|---|---|---|");
    for (const f of s.fixed)
      out.push(`| ${cell(f.what)} | ${cell(f.where)} | ${f.pr ? cell(f.pr) : "written to the workspace"} |`);
    out.push("");
  }
  if (inputs.mode !== "scan" && s.remaining.length > 0) {
    out.push("### Not fixed", "", "| tier | finding | file | why |", "|---|---|---|---|");
    for (const r of s.remaining)
      out.push(`| ${r.tier} | ${cell(r.what)} | ${cell(r.where)} | ${cell(r.why ?? "")} |`);
    out.push("");
  }
  if (scan.errors.length > 0) {
    out.push("### Files skipped", "");
    for (const e of scan.errors) out.push(`- ${cell(e.file)}:${e.line}: ${cell(e.message)}`);
    out.push("");
  }
  out.push(
    s.failing.length > 0
      ? `:x: ${s.failing.length} at or above \`${inputs.failOn}\` remain (fail-on).`
      : `:white_check_mark: nothing at or above \`${inputs.failOn}\` remains (fail-on).`,
    "",
  );
  return `${out.join("\n")}\n`;
}
