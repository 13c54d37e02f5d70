import { realpath } from "node:fs/promises";
import { relative, sep } from "node:path";
import { parseArgs } from "node:util";
import { findingJson, scanText } from "../../report/findings.ts";
import { type SarifSite, toSarif } from "../../report/sarif.ts";
import {
  expiredNote,
  problemJson as policyJson,
  suppressedJson,
  suppressedText,
  suppressionJson,
  suppressionSentence,
} from "../../report/suppressed.ts";
import { scanWithSuppressions } from "../../rules/scan.ts";
import { detectionId } from "../../rules/types.ts";
import { suppressionProblems } from "../../suppress/policy.ts";
import { VERSION } from "../../version.ts";
import { repositoryTop } from "../git.ts";
import type { CliIo } from "../io.ts";
import { oneOf, selectRules } from "../options.ts";
import { suppressionAuthors, treeSuppressions } from "../suppressions.ts";
import { type FileProblem, loadTree, problemJson } from "../tree.ts";

export async function scanCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: "string" }, rule: { type: "string", multiple: true } },
  });
  const format = oneOf(values.format, ["text", "json", "sarif"] as const, "--format", "text");
  const rules = selectRules(values.rule);
  const tree = await loadTree(positionals[0], io, "scan");
  const { root, index, problems } = tree;
  const sup = await treeSuppressions(tree, io);
  const {
    active: detections,
    suppressed,
    expired,
  } = scanWithSuppressions(index, rules, sup.suppressions, sup.today);
  const rejected = sup.policy ? suppressionProblems(sup.suppressions, sup.policy, sup.today) : [];
  const authors = await suppressionAuthors(root, [
    ...suppressed.map((x) => x.suppression),
    ...rejected.map((p) => p.suppression),
  ]);
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
    const site = await sarifSite(root);
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
    const n = index.files.size;
    io.stdout.write(
      `No findings in the ${n} Terraform file${n === 1 ? "" : "s"} that could be read. ${incomplete(problems)}`,
    );
    io.stdout.write(suppressedText(suppressed, rejected, byId, authors));
  } else {
    io.stdout.write(scanText(detections, byId, index.files.size, notes));
    io.stdout.write(suppressedText(suppressed, rejected, byId, authors));
    if (problems.length > 0) io.stdout.write(incomplete(problems));
  }
  // A scan that skipped a file is not a clean scan, whatever it found in the others.
  if (problems.length > 0) return 2;
  return detections.length > 0 || rejected.length > 0 ? 1 : 0;
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
