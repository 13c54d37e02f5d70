// Which lines of a file a pull request changes, from the unified diff GitHub lists per file
// (`patch` of GET /pulls/{n}/files), and which resource blocks of the head those lines fall in.
// Pure: the diff is untrusted text, read line by line with no backtracking.

import type { Resource } from "../hcl/index.ts";

/** Lines of the head version the diff adds or changes, and where it deletes lines (head positions). */
export interface ChangedLines {
  /** 1-based head lines added or changed. */
  added: number[];
  /** Head lines next to which base lines were deleted (the line after the deletion). */
  deletedAt: number[];
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** The head lines a file's patch touches; null when the patch cannot be read (treat the whole file as touched). */
export function changedLines(patch: string): ChangedLines | null {
  const added: number[] = [];
  const deletedAt: number[] = [];
  let head = 0;
  let inHunk = false;
  for (const line of patch.split("\n")) {
    const hunk = HUNK.exec(line);
    if (hunk) {
      head = Number(hunk[1]);
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    if (line.startsWith("+")) added.push(head++);
    else if (line.startsWith("-")) {
      if (deletedAt.at(-1) !== head) deletedAt.push(head);
    } else if (line.startsWith(" ") || line === "") head++;
    // "\ No newline at end of file" moves nothing
  }
  return inHunk ? { added, deletedAt } : null;
}

/**
 * The addresses of the head's blocks in `file` that the change touches: a line added or changed
 * inside the block, or lines deleted inside it (a deletion right after the block's last line
 * counts too: its closing brace may be what moved).
 */
export function touchedAddresses(
  resources: readonly Resource[],
  file: string,
  lines: ChangedLines,
): Set<string> {
  const touched = new Set<string>();
  for (const r of resources) {
    if (r.file !== file) continue;
    const inside = (l: number) => l >= r.line && l <= r.endLine;
    if (lines.added.some(inside) || lines.deletedAt.some((l) => l > r.line && l <= r.endLine + 1))
      touched.add(r.address);
  }
  return touched;
}
