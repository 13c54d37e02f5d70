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
 * A stream that neutralizes whatever is written to it, keeping line breaks (LF, and CR only as part
 * of CRLF) and tabs. It holds no state between writes, so a CRLF split across two writes shows its CR.
 * Inside JSON output the escapes are plain string characters, so the document stays valid.
 */
// Line breaks and tabs are layout. U+200B is what the Markdown outputs (`evidence --format md`)
// insert on purpose after "@" and "https:" so GitHub neither notifies nor links; untrusted fields
// have theirs shown by terminalSafe / the Markdown helpers before that.
const KEPT = "\n\t\u200B";

export function safeOutput(out: Output): Output {
  return {
    write: (chunk: string) =>
      out.write(
        String(chunk)
          .split("\r\n")
          .map((part) => showUnsafe(part, { keep: KEPT }))
          .join("\r\n"),
      ),
  };
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
