import { realpath } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { findingJson, scanText } from "../../report/findings.ts";
import { type SarifSite, toSarif } from "../../report/sarif.ts";
import {
  type Authors,
  expiredNote,
  problemJson as policyJson,
  suppressedJson,
  suppressedText,
  suppressionJson,
  suppressionSentence,
} from "../../report/suppressed.ts";
import { scanWithSuppressions } from "../../rules/scan.ts";
import { type Detection, detectionId } from "../../rules/types.ts";
import type { SuppressedDetection } from "../../suppress/apply.ts";
import type { Suppression } from "../../suppress/comments.ts";
import { type SuppressionProblem, suppressionProblems } from "../../suppress/policy.ts";
import { VERSION } from "../../version.ts";
import { repositoryTop } from "../git.ts";
import { CliError, type CliIo } from "../io.ts";
import { oneOf, parseCommandArgs, ruleOptionFlags, selectRules } from "../options.ts";
import { SCAN } from "../spec.ts";
import { suppressionAuthors, treeSuppressions } from "../suppressions.ts";
import { type FileProblem, loadTree, problemJson } from "../tree.ts";

/** What the scan of all the directories found, paths as the user sees them. */
interface ScanOutcome {
  detections: Detection[];
  suppressed: SuppressedDetection[];
  expired: Map<string, Suppression>;
  rejected: SuppressionProblem[];
  problems: FileProblem[];
  authors: Map<string, string>;
  roots: string[];
  files: number;
}

/**
 * `fixloop scan <dir>...`: every directory is scanned. With one directory, paths are relative to
 * it (as before); with several, to the working directory's view of each (`dirA/main.tf`).
 * A file that cannot be read or parsed is reported and skipped, and makes the exit code 2.
 * Suppressions written in the code (#checkov:skip, #tfsec:ignore, #trivy:ignore, .trivyignore,
 * kics-scan) are honoured and listed; an expired one counts as none and says so.
 */
export async function scanCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(SCAN, args);
  const format = oneOf(values.format, ["text", "json", "sarif"] as const, "--format", "text");
  const rules = selectRules(values.rule, ruleOptionFlags(values));
  if (positionals.length === 0) throw new CliError("missing directory: fixloop scan <dir>...");
  const out = await scanDirectories(positionals, rules, io);
  const { detections, suppressed, expired, rejected, problems, authors } = out;
  const notes = new Map([...expired].map(([id, s]) => [id, expiredNote(s)]));
  const byId = new Map(rules.map((r) => [r.id, r]));
  if (format === "json") {
    const findings = detections.map((d) => {
      const gone = expired.get(detectionId(d));
      const f = findingJson(d, byId.get(d.ruleId)!);
      return gone ? { ...f, suppressionExpired: suppressionJson(gone, authors) } : f;
    });
    const json = {
      findings,
      suppressed: suppressed.map((x) => suppressedJson(x, byId.get(x.detection.ruleId)!, authors)),
      suppressionProblems: rejected.map((p) => policyJson(p, authors)),
      errors: problems.map(problemJson),
    };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else if (format === "sarif") {
    const site = await sarifSite(out.roots.length > 1 ? io.cwd : out.roots[0]!);
    const sarif = toSarif(detections, rules, VERSION, {
      site,
      skipped: problems,
      notes,
      suppressed: suppressed.map((x) => ({
        detection: x.detection,
        justification: suppressionSentence(x.suppression, authors),
      })),
      policy: rejected.map((p) => ({
        file: p.suppression.file,
        line: p.suppression.line,
        message: `${p.message}: ${p.suppression.text}`,
      })),
    });
    io.stdout.write(`${JSON.stringify(sarif, null, 2)}\n`);
  } else if (problems.length > 0 && detections.length === 0) {
    // Never "No findings in 0 Terraform files": say what was not scanned.
    const n = out.files;
    io.stdout.write(
      `No findings in the ${n} Terraform file${n === 1 ? "" : "s"} that could be read. ${incomplete(problems)}`,
    );
    io.stdout.write(suppressedText(suppressed, rejected, byId, authors));
  } else {
    io.stdout.write(scanText(detections, byId, out.files, notes));
    io.stdout.write(suppressedText(suppressed, rejected, byId, authors));
    if (problems.length > 0) io.stdout.write(incomplete(problems));
  }
  // A scan that skipped a file is not a clean scan, whatever it found in the others.
  if (problems.length > 0) return 2;
  return detections.length > 0 || rejected.length > 0 ? 1 : 0;
}

/** Each directory scanned with its own suppressions and policy; with several, paths get the dir. */
async function scanDirectories(
  dirs: string[],
  rules: ReturnType<typeof selectRules>,
  io: CliIo,
): Promise<ScanOutcome> {
  const out: ScanOutcome = {
    detections: [],
    suppressed: [],
    expired: new Map(),
    rejected: [],
    problems: [],
    authors: new Map(),
    roots: [],
    files: 0,
  };
  const several = dirs.length > 1;
  for (const dir of dirs) {
    const tree = await loadTree(dir, io, "scan");
    const at = (file: string) => (several ? join(dir, file) : file);
    const onDetection = (d: Detection): Detection =>
      several ? { ...d, resource: { ...d.resource, file: at(d.resource.file) } } : d;
    const onSuppression = (s: Suppression): Suppression => (several ? { ...s, file: at(s.file) } : s);
    const sup = await treeSuppressions(tree, io);
    const scanned = scanWithSuppressions(tree.index, rules, sup.suppressions, sup.today);
    const rejected = sup.policy ? suppressionProblems(sup.suppressions, sup.policy, sup.today) : [];
    const authors: Authors = await suppressionAuthors(tree.root, [
      ...scanned.suppressed.map((x) => x.suppression),
      ...rejected.map((p) => p.suppression),
    ]);
    for (const [key, who] of authors) out.authors.set(several ? at(key) : key, who);
    out.roots.push(tree.root);
    out.files += tree.index.files.size;
    out.detections.push(...scanned.active.map(onDetection));
    out.suppressed.push(
      ...scanned.suppressed.map((x) => ({
        detection: onDetection(x.detection),
        suppression: onSuppression(x.suppression),
      })),
    );
    for (const [id, s] of scanned.expired) out.expired.set(id, onSuppression(s));
    out.rejected.push(...rejected.map((p) => ({ ...p, suppression: onSuppression(p.suppression) })));
    out.problems.push(...tree.problems.map((p) => ({ ...p, file: at(p.file) })));
  }
  return out;
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
