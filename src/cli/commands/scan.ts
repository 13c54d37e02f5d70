import { realpath } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { findingJson, scanText } from "../../report/findings.ts";
import { type SarifSite, toSarif } from "../../report/sarif.ts";
import { scanIndex } from "../../rules/scan.ts";
import type { Detection } from "../../rules/types.ts";
import { VERSION } from "../../version.ts";
import { repositoryTop } from "../git.ts";
import { CliError, type CliIo } from "../io.ts";
import { oneOf, parseCommandArgs, selectRules } from "../options.ts";
import { SCAN } from "../spec.ts";
import { type FileProblem, loadTree, problemJson } from "../tree.ts";

/**
 * `fixloop scan <dir>...`: every directory is scanned. With one directory, paths are relative to
 * it (as before); with several, to the working directory's view of each (`dirA/main.tf`).
 * A file that cannot be read or parsed is reported and skipped, and makes the exit code 2.
 */
export async function scanCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(SCAN, args);
  const format = oneOf(values.format, ["text", "json", "sarif"] as const, "--format", "text");
  const rules = selectRules(values.rule);
  if (positionals.length === 0) throw new CliError("missing directory: fixloop scan <dir>...");
  const several = positionals.length > 1;
  const detections: Detection[] = [];
  const problems: FileProblem[] = [];
  const roots: string[] = [];
  let files = 0;
  for (const dir of positionals) {
    const { root, index, problems: skipped } = await loadTree(dir, io, "scan");
    const at = (file: string) => (several ? join(dir, file) : file);
    roots.push(root);
    files += index.files.size;
    for (const d of scanIndex(index, rules))
      detections.push(several ? { ...d, resource: { ...d.resource, file: at(d.resource.file) } } : d);
    for (const p of skipped) problems.push({ ...p, file: at(p.file) });
  }
  const byId = new Map(rules.map((r) => [r.id, r]));
  if (format === "json") {
    const findings = detections.map((d) => findingJson(d, byId.get(d.ruleId)!));
    io.stdout.write(`${JSON.stringify({ findings, errors: problems.map(problemJson) }, null, 2)}\n`);
  } else if (format === "sarif") {
    const site = await sarifSite(several ? io.cwd : roots[0]!);
    const sarif = toSarif(detections, rules, VERSION, { site, skipped: problems });
    io.stdout.write(`${JSON.stringify(sarif, null, 2)}\n`);
  } else if (problems.length > 0 && detections.length === 0) {
    // Never "No findings in 0 Terraform files": say what was not scanned.
    io.stdout.write(
      `No findings in the ${files} Terraform file${files === 1 ? "" : "s"} that could be read. ${incomplete(problems)}`,
    );
  } else {
    io.stdout.write(scanText(detections, byId, files));
    if (problems.length > 0) io.stdout.write(incomplete(problems));
  }
  // A scan that skipped a file is not a clean scan, whatever it found in the others.
  if (problems.length > 0) return 2;
  return detections.length > 0 ? 1 : 0;
}

/**
 * SARIF paths relative to the repository's top level; outside git, to the scanned folder. With
 * several folders, the paths are already relative to the working directory, which is the base.
 */
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
