// Trivy's ignore files at the scanned root (Trivy docs, "Filtering › By Finding IDs"):
// `.trivyignore` — one id a line, `#` comments, an optional ` exp:yyyy-mm-dd` after the id; and
// `.trivyignore.yaml` — `misconfigurations: [{ id, paths?, statement?, expired_at? }]` (the other
// sections, vulnerabilities/secrets/licenses, are not about Terraform and are ignored here).

import { parse as parseYaml } from "yaml";
import type { Suppression } from "./comments.ts";

export const TRIVYIGNORE = ".trivyignore";
export const TRIVYIGNORE_YAML = ".trivyignore.yaml";

/** `.trivyignore` entries; the comment lines right above an entry are its reason. */
export function parseTrivyignore(text: string, file = TRIVYIGNORE): Suppression[] {
  const out: Suppression[] = [];
  let comments: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") {
      comments = [];
      return;
    }
    if (line.startsWith("#")) {
      comments.push(line.replace(/^#+\s*/, ""));
      return;
    }
    const [id = "", ...rest] = line.split(/\s+/);
    const exp = rest.find((w) => w.startsWith("exp:"))?.slice(4);
    const reason = comments.join(" ").trim();
    out.push({
      syntax: ".trivyignore",
      ids: [id],
      ...(reason ? { reason } : {}),
      ...(exp ? { expires: exp } : {}),
      file,
      line: i + 1,
      text: line,
      scope: { kind: "tree" },
    });
    comments = [];
  });
  return out;
}

/** A problem in `.trivyignore.yaml`, said plainly (the rest of the file still counts). */
export class IgnoreFileError extends Error {}

/** `.trivyignore.yaml` misconfiguration entries. Throws IgnoreFileError naming the entry when malformed. */
export function parseTrivyignoreYaml(text: string, file = TRIVYIGNORE_YAML): Suppression[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new IgnoreFileError(
      `${file}: not valid YAML (${e instanceof Error ? e.message.split("\n")[0] : e})`,
    );
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== "object" || Array.isArray(doc)) throw new IgnoreFileError(`${file}: expected a mapping`);
  const entries = (doc as Record<string, unknown>).misconfigurations ?? [];
  if (!Array.isArray(entries)) throw new IgnoreFileError(`${file}: misconfigurations must be a list`);
  const lines = text.split(/\r?\n/);
  return entries.map((entry, n) => {
    const where = `${file}: misconfigurations[${n}]`;
    if (typeof entry !== "object" || entry === null)
      throw new IgnoreFileError(`${where}: expected a mapping`);
    const { id, paths, statement, expired_at } = entry as Record<string, unknown>;
    if (typeof id !== "string" || id === "") throw new IgnoreFileError(`${where}: id must be a string`);
    if (paths !== undefined && !(Array.isArray(paths) && paths.every((p) => typeof p === "string")))
      throw new IgnoreFileError(`${where}: paths must be a list of strings`);
    const expires = expired_at instanceof Date ? expired_at.toISOString().slice(0, 10) : expired_at;
    if (expires !== undefined && typeof expires !== "string")
      throw new IgnoreFileError(`${where}: expired_at must be a date (yyyy-mm-dd)`);
    const line = Math.max(1, lines.findIndex((l) => l.includes(id)) + 1);
    return {
      syntax: ".trivyignore.yaml" as const,
      ids: [id],
      ...(typeof statement === "string" && statement.trim() ? { reason: statement.trim() } : {}),
      ...(expires ? { expires: String(expires) } : {}),
      file,
      line,
      text: `id: ${id}`,
      scope: { kind: "tree" as const, ...(paths ? { paths: paths as string[] } : {}) },
    };
  });
}
