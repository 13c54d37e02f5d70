// Untrusted text on a terminal: a finding's title, a resource name or a file's content could carry
// escape sequences (moving the cursor, rewriting earlier lines, setting the window title), bidi
// overrides that make text read differently from what it is, or invisible characters. They are
// shown as visible escapes (`<U+202E>`), by src/report/unsafe-chars.ts: per field here, and for
// everything a command writes by `safeOutput`, which main() puts around stdout and stderr.

import { showUnsafe } from "../report/unsafe-chars.ts";
import type { Output } from "./io.ts";

/** One field of untrusted text for a terminal: every unsafe character, line breaks included (a
 *  field is printed on one line, so a newline in a title cannot forge another line of output). */
export function terminalSafe(text: string): string {
  return showUnsafe(text);
}

/**
 * A multi-line block of untrusted text (a diff of repository files) for a terminal: every unsafe
 * character shown except line breaks (LF, and CR only as part of CRLF) and tabs.
 */
export function blockSafe(text: string, keep = "\n\t"): string {
  return text
    .split("\r\n")
    .map((part) => showUnsafe(part, { keep }))
    .join("\r\n");
}

// Line breaks and tabs are layout. U+200B is what the Markdown outputs (`evidence --format md`)
// insert on purpose after "@" and "https:" so GitHub neither notifies nor links; untrusted text has
// its own shown before that, by terminalSafe, blockSafe or the Markdown helpers.
const KEPT = "\n\t\u200B";

/**
 * A stream that neutralizes whatever is written to it, as blockSafe does (U+200B aside). It holds
 * no state between writes, so a CRLF split across two writes shows its CR. Inside JSON output the
 * escapes are plain string characters, so the document stays valid.
 */
export function safeOutput(out: Output): Output {
  return { write: (chunk: string) => out.write(blockSafe(String(chunk), KEPT)) };
}

/** Rows of cells as aligned columns (two spaces apart, no trailing spaces). */
export function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
