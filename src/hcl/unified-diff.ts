import { structuredPatch } from "diff";

/** A git-style unified diff of one file (`--- a/path` / `+++ b/path`), "" when unchanged. */
export function unifiedDiff(path: string, before: string, after: string, context = 3): string {
  if (before === after) return "";
  const patch = structuredPatch(`a/${path}`, `b/${path}`, before, after, "", "", { context });
  const from = before === "" ? "/dev/null" : `a/${path}`;
  const lines = [`--- ${from}`, `+++ b/${path}`];
  for (const h of patch.hunks) {
    lines.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines);
  }
  return `${lines.join("\n")}\n`;
}
