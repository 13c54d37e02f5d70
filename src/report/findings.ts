// The scan report in fixloop's JSON shape and as plain text.

import { type Detection, detectionId, type Rule, SEVERITY_ORDER } from "../rules/types.ts";
import { showUnsafe } from "./unsafe-chars.ts";

export interface FindingJson {
  ruleId: string;
  title: string;
  severity: Rule["severity"];
  resource: { address: string; type: string; name: string };
  file: string;
  line: number;
  message: string;
  aliases: Rule["aliases"];
}

export function findingJson(d: Detection, rule: Rule): FindingJson {
  return {
    ruleId: d.ruleId,
    title: rule.title,
    severity: rule.severity,
    resource: { address: d.resource.address, type: d.resource.type, name: d.resource.name },
    file: d.resource.file,
    line: d.line,
    message: d.message,
    aliases: rule.aliases,
  };
}

/** `notes`: an extra line per detection id (a suppression that expired). */
export function scanText(
  detections: Detection[],
  rules: Map<string, Rule>,
  fileCount: number,
  notes: ReadonlyMap<string, string> = new Map(),
): string {
  if (detections.length === 0)
    return `No findings in ${fileCount} Terraform file${fileCount === 1 ? "" : "s"}.\n`;
  const lines: string[] = [];
  for (const d of detections) {
    const rule = rules.get(d.ruleId)!;
    // File names, addresses and messages come from the repository: shown, never obeyed (one line each).
    lines.push(
      showUnsafe(
        `${d.resource.file}:${d.line}  ${rule.severity.padEnd(8)} ${d.ruleId}  ${d.resource.address}`,
      ),
    );
    lines.push(showUnsafe(`    ${d.message}`));
    const note = notes.get(detectionId(d));
    if (note) lines.push(showUnsafe(`    ${note}`));
  }
  const bySeverity = new Map<string, number>();
  for (const d of detections) {
    const s = rules.get(d.ruleId)!.severity;
    bySeverity.set(s, (bySeverity.get(s) ?? 0) + 1);
  }
  const counts = [...bySeverity]
    .sort(([a], [b]) => SEVERITY_ORDER[a as Rule["severity"]] - SEVERITY_ORDER[b as Rule["severity"]])
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  const files = new Set(detections.map((d) => d.resource.file)).size;
  lines.push(
    "",
    `${detections.length} finding${detections.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"} (${counts}).`,
  );
  return `${lines.join("\n")}\n`;
}
