// Untrusted text on a terminal: a finding's title or resource name could carry escape sequences
// (moving the cursor, rewriting earlier lines, setting the window title) or bidirectional
// overrides that make text read differently from what it is. They are shown as visible escapes.

// C0 controls (line breaks included: every field is printed on one line), DEL, C1 controls, and
// the Unicode bidi embedding/override/isolate characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
  });
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
