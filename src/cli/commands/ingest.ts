import { resourceLabel } from "../../evidence/labels.ts";
import type { Finding } from "../../findings/model.ts";
import { completeScanFrom } from "../../ingest/complete-scan.ts";
import { findingNotes } from "../../ingest/notes.ts";
import { type PersistResult, persistDocument } from "../../ingest/persist.ts";
import type { TriagedFinding } from "../../ingest/triage-finding.ts";
import { type FileRejection, loadTriageConfig, readFindings } from "../findings-input.ts";
import { CliError, type CliIo } from "../io.ts";
import { parseCommandArgs } from "../options.ts";
import { scanScope } from "../scan-scope.ts";
import { INGEST } from "../spec.ts";
import { withStore } from "../store-access.ts";
import { terminalSafe } from "../text.ts";

/** What `--store` did: one result per triaged finding (same order), and where it went. */
interface Stored {
  results: PersistResult[];
  location: string;
  /** With --complete-scan: the findings being verified that it covered and did not report. */
  absent: string[] | undefined;
}

export async function ingestCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(INGEST, args);
  if (positionals.length === 0)
    throw new CliError("missing file: fixloop ingest <file>… [--format auto|<name>] [--json]");
  if (values["data-dir"] !== undefined && !values.store)
    throw new CliError("--data-dir only applies with --store (nothing is stored without it)");
  for (const flag of ["org", "repository"] as const)
    if (values[flag] !== undefined && !values.store)
      throw new CliError(`--${flag} only applies with --store (it scopes the stored findings)`);
  if (values["complete-scan"] && !values.store)
    throw new CliError("--complete-scan only applies with --store (it records re-scan results)");
  const config = await loadTriageConfig(values["triage-config"], io);
  const { triaged, rejected, unreadable } = await readFindings(positionals, values.format, io, config);
  const declared = completeScanFrom(
    {
      complete: values["complete-scan"] ? "true" : undefined,
      accounts: values.accounts,
      rules: values.rules,
      tool: values.tool,
    },
    triaged.map((t) => t.finding.source.tool),
    "cli",
  );
  if (!declared.ok) throw new CliError(declared.reason);
  const stored: Stored | undefined = values.store
    ? await withStore(io, values["data-dir"], async (store) => {
        const scope = await scanScope(values.org, values.repository, io.cwd);
        const done = await persistDocument(store, triaged, {
          ...(scope.org ? { org: scope.org } : {}),
          ...(scope.repository ? { repository: scope.repository } : {}),
          ...(declared.scan ? { completeScan: declared.scan } : {}),
        });
        return {
          results: done.results,
          location: store.location,
          absent: declared.scan ? done.absent : undefined,
        };
      })
    : undefined;

  if (values.json) {
    const findings = triaged.map((t, i) => {
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
        ...notesJson(t.finding),
        ...(stored ? storedJson(stored.results[i]!) : {}),
      };
    });
    io.stdout.write(
      `${JSON.stringify(
        {
          findings,
          rejected,
          unreadable,
          ...(stored ? { store: stored.location } : {}),
          ...(stored?.absent ? { absent: stored.absent } : {}),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout.write(ingestText(triaged, rejected, unreadable, stored));
  }
  if (unreadable.length === positionals.length || (triaged.length === 0 && rejected.length > 0)) return 2;
  return rejected.length > 0 || unreadable.length > 0 ? 1 : 0;
}

function notesJson(f: Finding): { notes?: string[] } {
  const notes = findingNotes(f);
  return notes.length > 0 ? { notes } : {};
}

/** The stored id, state and outcome; `reason` is already the triage reason, so a skip's is `outcomeReason`. */
function storedJson(r: PersistResult) {
  return {
    id: r.id,
    state: r.state,
    outcome: r.outcome,
    ...(r.reason !== undefined ? { outcomeReason: r.reason } : {}),
  };
}

function storedText(r: PersistResult): string {
  if (r.outcome === "skipped") return `    not stored: ${r.reason ?? "skipped"}`;
  return `    stored as ${r.id.slice(0, 12)}: ${r.state} (${r.outcome})`;
}

function ingestText(
  triaged: TriagedFinding[],
  rejected: FileRejection[],
  unreadable: unknown[],
  stored: Stored | undefined,
): string {
  const lines: string[] = [];
  triaged.forEach((t, i) => {
    const f = t.finding;
    const also = f.rule.otherIds?.length ? ` (also ${f.rule.otherIds.join(", ")})` : "";
    const rule = `${f.rule.nativeId}${also}${f.rule.catalogId ? ` → ${f.rule.catalogId}` : ""}`;
    // Each line is one line by construction: terminalSafe shows any line break a field carries.
    lines.push(
      terminalSafe(
        `${t.risk.tier.padEnd(8)} ${String(t.risk.score).padStart(3)}  ${f.source.tool}  ${rule}  ${resourceLabel(f.resource)}`,
      ),
    );
    lines.push(terminalSafe(`    ${t.actionable ? t.gate.gate : "not actionable"}: ${t.reason}`));
    lines.push(
      terminalSafe(`    ${t.risk.explanation} SLA due ${t.slaDue.slice(0, 10)}. dedupe ${t.dedupeKey}`),
    );
    for (const note of findingNotes(f)) lines.push(terminalSafe(`    note: this finding ${note}`));
    if (stored) lines.push(terminalSafe(storedText(stored.results[i]!)));
  });
  for (const r of rejected)
    lines.push(terminalSafe(`rejected ${r.file} record ${r.index} at ${r.path}: ${r.reason}`));
  const actionable = triaged.filter((t) => t.actionable).length;
  let summary = `${triaged.length} finding${triaged.length === 1 ? "" : "s"} (${actionable} actionable), ${rejected.length} rejected, ${unreadable.length} file${unreadable.length === 1 ? "" : "s"} unreadable.`;
  if (stored) {
    summary += ` Stored in ${terminalSafe(stored.location)}: ${storedCounts(stored.results)}.`;
    if (stored.absent)
      summary += ` Absent from the complete scan (a passing re-scan recorded): ${
        stored.absent.length === 0 ? "none" : stored.absent.map((id) => id.slice(0, 12)).join(", ")
      }.`;
  }
  lines.push("", summary);
  return `${lines.join("\n")}\n`;
}

/**
 * Findings, not records: records sharing a dedupe key (two tools, or one file given twice) are one
 * stored finding with several sources, so "created" counts each finding once.
 */
export function storedCounts(results: PersistResult[]): string {
  const first = new Map<string, PersistResult["outcome"]>();
  for (const r of results) if (!first.has(r.id)) first.set(r.id, r.outcome);
  const count = (o: PersistResult["outcome"]) => [...first.values()].filter((v) => v === o).length;
  const merged = results.length - first.size;
  const mergedNote =
    merged > 0
      ? ` (${merged} record${merged === 1 ? "" : "s"} had the dedupe key of another and became ${merged === 1 ? "a source" : "sources"} of it)`
      : "";
  return `${count("created")} created, ${count("updated")} updated, ${count("skipped")} skipped${mergedNote}`;
}
