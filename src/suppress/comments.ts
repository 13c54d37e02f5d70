// Suppressions teams already write in their Terraform, read from the file text (pure). The syntax
// of each is the tool's own, as documented:
// - Checkov, "Suppressing and Skipping Policies": `#checkov:skip=CKV_AWS_20:reason` anywhere inside
//   the resource block; checkov's COMMENT_REGEX `(checkov:skip=|bridgecrew:skip=) *([A-Za-z_\d]+)(:[^\n]+)?`
//   (comma-separated ids when CHECKOV_ALLOW_SKIP_MULTIPLE_ONE_LINE is set; accepted here).
// - tfsec, "Ignoring Checks": `tfsec:ignore:<rule>[:exp:yyyy-mm-dd]` on the offending line, or on
//   the line above it or above the block, several separated by spaces.
// - Trivy, "Filtering › By Inline Comments": `#trivy:ignore:<id>[:exp:yyyy-mm-dd]` on the line
//   above the resource or attribute (stacked comment lines allowed), or on the line itself.
// - KICS, "Using commands on scanned files as comments": `# kics-scan ignore-line` (the line below),
//   `# kics-scan ignore-block` (the block below), and at the top of a file `# kics-scan ignore` /
//   `# kics-scan disable=<query-id>,…`.
// Comments are found by line: a marker inside a string literal is not a comment and does not count.

export type SuppressionSyntax =
  | "checkov:skip"
  | "tfsec:ignore"
  | "trivy:ignore"
  | "kics-scan ignore-line"
  | "kics-scan ignore-block"
  | "kics-scan ignore"
  | "kics-scan disable"
  | ".trivyignore"
  | ".trivyignore.yaml";

/** Where a suppression applies, in lines of its file (1-based, inclusive). */
export type SuppressionScope =
  /** Checkov: any finding of the block the comment sits in. */
  | { kind: "enclosing-block" }
  /** tfsec/Trivy/KICS: findings on `line`, or on the block that starts at `line`. */
  | { kind: "target-line"; line: number }
  /** KICS ignore-line: findings reported on exactly `line`. */
  | { kind: "exact-line"; line: number }
  /** KICS file-wide comments, .trivyignore entries (filtered by `paths` when given). */
  | { kind: "file" }
  | { kind: "tree"; paths?: string[] };

export interface Suppression {
  syntax: SuppressionSyntax;
  /** Check ids as written (CKV_AWS_20, aws-s3-enable-bucket-encryption, AVD-AWS-0086, a KICS UUID);
   *  empty means every check (kics-scan ignore-line/ignore-block/ignore). */
  ids: string[];
  reason?: string;
  /** `exp:` / `expired_at` as written, YYYY-MM-DD. */
  expires?: string;
  /** The file it is written in (a .tf file, or `.trivyignore`) and its line there. */
  file: string;
  line: number;
  /** The comment or entry exactly as written (one line). */
  text: string;
  scope: SuppressionScope;
}

/** The comment part of a line, and whether code comes before it; undefined when the line has none. */
function commentOf(line: string): { body: string; trailing: boolean } | undefined {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    // `#`, `//` or `/*` starts a comment (compared in place: a slice and a RegExp per character
    // were most of a scan's suppression time).
    const opener = c === "#" ? 1 : c === "/" && (line[i + 1] === "/" || line[i + 1] === "*") ? 2 : 0;
    if (opener > 0) {
      let body = line.slice(i + opener).trim();
      if (opener === 2 && line[i + 1] === "*" && body.endsWith("*/")) body = body.slice(0, -2).trim();
      return { body, trailing: line.slice(0, i).trim() !== "" };
    }
  }
  return undefined;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `<id>[:exp:date][:ws:workspace]` after `tfsec:ignore:` / `trivy:ignore:`. */
function ignoreEntry(spec: string): { id: string; expires?: string } {
  const [id = "", ...rest] = spec.split(":");
  const at = rest.indexOf("exp");
  const date = at >= 0 ? rest[at + 1] : undefined;
  return { id, ...(date && DATE.test(date) ? { expires: date } : {}) };
}

/**
 * Every comment `parseComment` accepts starts with one of these (case as written): a file holding
 * none has no suppression, and is not split into lines (most files of a tree have none).
 */
const MARKERS = ["checkov:skip=", "bridgecrew:skip=", "tfsec:ignore:", "trivy:ignore:", "kics-scan"];

/** Every suppression comment in one Terraform file. */
export function suppressionsInText(file: string, text: string): Suppression[] {
  if (!MARKERS.some((m) => text.includes(m))) return [];
  const lines = text.split(/\r?\n/);
  const out: Suppression[] = [];
  const firstCode = lines.findIndex((l) => isCode(l));
  // The first code line at or after each index, computed backwards once (linear in the file).
  const nextCode = new Array<number>(lines.length + 1);
  nextCode[lines.length] = lines.length;
  for (let j = lines.length - 1; j >= 0; j--) nextCode[j] = isCode(lines[j]!) ? j : nextCode[j + 1]!;
  lines.forEach((raw, i) => {
    if (!raw.includes("#") && !raw.includes("/")) return;
    const comment = commentOf(raw);
    if (!comment) return;
    const line = i + 1;
    // A comment on its own line applies to the next line of code (stacked comments in between).
    const next = nextCode[i + 1]!;
    const target = comment.trailing ? line : next < lines.length ? next + 1 : line + 1;
    const base = { file, line, text: raw.trim() };
    out.push(...parseComment(comment.body, base, target, firstCode === -1 || i < firstCode));
  });
  return out;
}

const isCode = (line: string) => line.trim() !== "" && !/^(#|\/\/|\/\*)/.test(line.trim());

function parseComment(
  body: string,
  base: { file: string; line: number; text: string },
  target: number,
  fileTop: boolean,
): Suppression[] {
  const checkov = /^(?:checkov|bridgecrew):skip= *([A-Za-z_\d,]+)(?::([^\n]+))?/.exec(body);
  if (checkov) {
    const reason = checkov[2]?.trim();
    const ids = checkov[1]!.split(",").filter(Boolean);
    return [
      {
        ...base,
        syntax: "checkov:skip",
        ids,
        ...(reason ? { reason } : {}),
        scope: { kind: "enclosing-block" },
      },
    ];
  }
  const tool = /^(tfsec|trivy):ignore:/.exec(body);
  if (tool) return toolIgnores(tool[1] as "tfsec" | "trivy", body, base, target);
  const kics = /^kics-scan\s+(ignore-line|ignore-block|ignore|disable=(\S+))\s*(.*)$/.exec(body);
  if (!kics) return [];
  const reason = kics[3]?.replace(/^[-–:]\s*/, "").trim();
  const extra = reason ? { reason } : {};
  if (kics[1] === "ignore-line")
    return [
      {
        ...base,
        ...extra,
        syntax: "kics-scan ignore-line",
        ids: [],
        scope: { kind: "exact-line", line: target },
      },
    ];
  if (kics[1] === "ignore-block")
    return [
      {
        ...base,
        ...extra,
        syntax: "kics-scan ignore-block",
        ids: [],
        scope: { kind: "target-line", line: target },
      },
    ];
  // KICS reads `ignore` and `disable=` only at the top of the file, before any code.
  if (!fileTop) return [];
  if (kics[1] === "ignore")
    return [{ ...base, ...extra, syntax: "kics-scan ignore", ids: [], scope: { kind: "file" } }];
  const ids = kics[2]!.split(",").filter(Boolean);
  return [{ ...base, ...extra, syntax: "kics-scan disable", ids, scope: { kind: "file" } }];
}

/** `tfsec:ignore:a tfsec:ignore:b:exp:2026-01-01 why` — several ignores on one line, free text = reason. */
function toolIgnores(
  tool: "tfsec" | "trivy",
  body: string,
  base: { file: string; line: number; text: string },
  target: number,
): Suppression[] {
  const words = body.split(/\s+/);
  const marker = `${tool}:ignore:`;
  const specs = words.filter((w) => w.startsWith(marker)).map((w) => ignoreEntry(w.slice(marker.length)));
  const reason = words
    .filter((w) => !w.startsWith(marker))
    .join(" ")
    .replace(/^[-–:]\s*/, "")
    .trim();
  return specs
    .filter((s) => s.id !== "")
    .map((s) => ({
      ...base,
      syntax: `${tool}:ignore` as const,
      ids: [s.id],
      ...(reason ? { reason } : {}),
      ...(s.expires ? { expires: s.expires } : {}),
      scope: { kind: "target-line" as const, line: target },
    }));
}
