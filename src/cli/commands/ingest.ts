import { parseArgs } from "node:util";
import type { TriagedFinding } from "../../ingest/triage-finding.ts";
import { type FileRejection, loadTriageConfig, readFindings } from "../findings-input.ts";
import { CliError, type CliIo } from "../io.ts";

export async function ingestCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: "string" }, json: { type: "boolean" }, "triage-config": { type: "string" } },
  });
  if (positionals.length === 0)
    throw new CliError("missing file: fixloop ingest <file>… [--format auto|<name>] [--json]");
  const config = await loadTriageConfig(values["triage-config"], io);
  const { triaged, rejected, unreadable } = await readFindings(positionals, values.format, io, config);

  if (values.json) {
    const findings = triaged.map((t) => {
      const { raw: _raw, ...finding } = t.finding;
      return {
        ...finding,
        dedupeKey: t.dedupeKey,
        risk: t.risk,
        confidence: t.confidence,
        gate: t.gate,
        slaDue: t.slaDue,
        actionable: t.actionable,
        reason: t.reason,
      };
    });
    io.stdout.write(`${JSON.stringify({ findings, rejected, unreadable }, null, 2)}\n`);
  } else {
    io.stdout.write(ingestText(triaged, rejected, unreadable));
  }
  if (unreadable.length === positionals.length || (triaged.length === 0 && rejected.length > 0)) return 2;
  return rejected.length > 0 || unreadable.length > 0 ? 1 : 0;
}

function ingestText(triaged: TriagedFinding[], rejected: FileRejection[], unreadable: unknown[]): string {
  const lines: string[] = [];
  for (const t of triaged) {
    const f = t.finding;
    const where =
      f.resource.terraformAddress ??
      f.resource.arn ??
      f.resource.id ??
      f.resource.file ??
      f.resource.name ??
      "?";
    const rule = f.rule.catalogId ? `${f.rule.nativeId} → ${f.rule.catalogId}` : f.rule.nativeId;
    lines.push(
      `${t.risk.tier.padEnd(8)} ${String(t.risk.score).padStart(3)}  ${f.source.tool}  ${rule}  ${where}`,
    );
    lines.push(`    ${t.actionable ? t.gate.gate : "not actionable"}: ${t.reason}`);
    lines.push(`    ${t.risk.explanation} SLA due ${t.slaDue.slice(0, 10)}. dedupe ${t.dedupeKey}`);
  }
  for (const r of rejected) lines.push(`rejected ${r.file} record ${r.index} at ${r.path}: ${r.reason}`);
  const actionable = triaged.filter((t) => t.actionable).length;
  lines.push(
    "",
    `${triaged.length} finding${triaged.length === 1 ? "" : "s"} (${actionable} actionable), ${rejected.length} rejected, ${unreadable.length} file${unreadable.length === 1 ? "" : "s"} unreadable.`,
  );
  return `${lines.join("\n")}\n`;
}
