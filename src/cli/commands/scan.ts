import { realpath } from "node:fs/promises";
import { relative, sep } from "node:path";
import { parseArgs } from "node:util";
import { findingJson, scanText } from "../../report/findings.ts";
import { type SarifSite, toSarif } from "../../report/sarif.ts";
import { scanIndex } from "../../rules/scan.ts";
import { VERSION } from "../../version.ts";
import { repositoryTop } from "../git.ts";
import type { CliIo } from "../io.ts";
import { oneOf, ruleOptionFlags, selectRules } from "../options.ts";
import { type FileProblem, loadTree, problemJson } from "../tree.ts";

export async function scanCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: "string" },
      rule: { type: "string", multiple: true },
      "require-kms": { type: "boolean" },
    },
  });
  const format = oneOf(values.format, ["text", "json", "sarif"] as const, "--format", "text");
  const rules = selectRules(values.rule, ruleOptionFlags(values));
  const { root, index, problems } = await loadTree(positionals[0], io, "scan");
  const detections = scanIndex(index, rules);
  const byId = new Map(rules.map((r) => [r.id, r]));
  if (format === "json") {
    const findings = detections.map((d) => findingJson(d, byId.get(d.ruleId)!));
    io.stdout.write(`${JSON.stringify({ findings, errors: problems.map(problemJson) }, null, 2)}\n`);
  } else if (format === "sarif") {
    const site = await sarifSite(root);
    const sarif = toSarif(detections, rules, VERSION, { site, skipped: problems });
    io.stdout.write(`${JSON.stringify(sarif, null, 2)}\n`);
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

/** SARIF paths relative to the repository's top level; outside git, to the scanned folder. */
async function sarifSite(root: string): Promise<SarifSite> {
  const dir = await realpath(root);
  const top = await repositoryTop(dir);
  if (!top) return { root: dir, description: "the scanned folder (not in a git repository)", prefix: "" };
  const inside = relative(await realpath(top), dir)
    .split(sep)
    .join("/");
  return { root: top, description: "the git repository's top level", prefix: inside ? `${inside}/` : "" };
}

function incomplete(problems: FileProblem[]): string {
  const n = problems.length;
  return `Incomplete: ${n} file${n === 1 ? "" : "s"} could not be read or parsed and ${n === 1 ? "was" : "were"} not scanned (listed on stderr).\n`;
}
