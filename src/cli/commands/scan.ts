import { parseArgs } from "node:util";
import { findingJson, scanText } from "../../report/findings.ts";
import { toSarif } from "../../report/sarif.ts";
import { scanIndex } from "../../rules/scan.ts";
import { VERSION } from "../../version.ts";
import type { CliIo } from "../io.ts";
import { oneOf, selectRules } from "../options.ts";
import { type FileProblem, loadTree, problemJson } from "../tree.ts";

export async function scanCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: "string" }, rule: { type: "string", multiple: true } },
  });
  const format = oneOf(values.format, ["text", "json", "sarif"] as const, "--format", "text");
  const rules = selectRules(values.rule);
  const { index, problems } = await loadTree(positionals[0], io, "scan");
  const detections = scanIndex(index, rules);
  const byId = new Map(rules.map((r) => [r.id, r]));
  if (format === "json") {
    const findings = detections.map((d) => findingJson(d, byId.get(d.ruleId)!));
    io.stdout.write(`${JSON.stringify({ findings, errors: problems.map(problemJson) }, null, 2)}\n`);
  } else if (format === "sarif") {
    io.stdout.write(`${JSON.stringify(toSarif(detections, rules, VERSION, problems), null, 2)}\n`);
  } else if (problems.length > 0 && detections.length === 0) {
    // Never "No findings in 0 Terraform files": say what was not scanned.
    const n = index.files.size;
    io.stdout.write(
      `No findings in the ${n} Terraform file${n === 1 ? "" : "s"} that could be read. ${incomplete(problems)}`,
    );
  } else {
    io.stdout.write(scanText(detections, byId, index.files.size));
    if (problems.length > 0) io.stdout.write(incomplete(problems));
  }
  // A scan that skipped a file is not a clean scan, whatever it found in the others.
  if (problems.length > 0) return 2;
  return detections.length > 0 ? 1 : 0;
}

function incomplete(problems: FileProblem[]): string {
  const n = problems.length;
  return `Incomplete: ${n} file${n === 1 ? "" : "s"} could not be read or parsed and ${n === 1 ? "was" : "were"} not scanned (listed on stderr).\n`;
}
