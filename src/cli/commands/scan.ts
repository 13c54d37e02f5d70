import { join } from "node:path";
import { errorJson, findingJson, scanText } from "../../report/findings.ts";
import { toSarif } from "../../report/sarif.ts";
import { scanIndex } from "../../rules/scan.ts";
import type { Detection } from "../../rules/types.ts";
import { VERSION } from "../../version.ts";
import { CliError, type CliIo } from "../io.ts";
import { oneOf, parseCommandArgs, selectRules } from "../options.ts";
import { SCAN } from "../spec.ts";
import { loadTree } from "../tree.ts";

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
  const errors: ReturnType<typeof errorJson>[] = [];
  let files = 0;
  for (const dir of positionals) {
    const { index, unreadable } = await loadTree(dir, io, "scan", true);
    const at = (file: string) => (several ? join(dir, file) : file);
    files += index.files.size;
    for (const d of scanIndex(index, rules))
      detections.push(several ? { ...d, resource: { ...d.resource, file: at(d.resource.file) } } : d);
    for (const e of index.errors) errors.push({ ...errorJson(e), file: at(e.file) });
    for (const u of unreadable) errors.push({ file: at(u.path), line: 0, column: 0, message: u.reason });
  }
  const byId = new Map(rules.map((r) => [r.id, r]));
  if (format === "json") {
    const findings = detections.map((d) => findingJson(d, byId.get(d.ruleId)!));
    io.stdout.write(`${JSON.stringify({ findings, errors }, null, 2)}\n`);
  } else if (format === "sarif") {
    io.stdout.write(`${JSON.stringify(toSarif(detections, rules, VERSION), null, 2)}\n`);
  } else {
    io.stdout.write(scanText(detections, byId, files));
  }
  if (errors.length > 0) return 2;
  return detections.length > 0 ? 1 : 0;
}
