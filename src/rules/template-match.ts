// Whether a string could be produced by a template whose parts are partly unknown
// (`"acme-${var.env}-logs"` → "acme-", *, "-logs"), in time linear in the string and the template.
// It replaces a regular expression built from the template: `^acme-[\s\S]*-…$` backtracks
// exponentially in the number of unknown parts when the string almost matches (issue 11).

/** A template as literal text and unknown parts (`null`), e.g. ["acme-", null, "-logs"]. */
export type TemplateShape = Array<string | null>;

/** Literal runs joined, consecutive unknowns collapsed: the canonical form the matcher walks. */
export function normalizeShape(shape: TemplateShape): TemplateShape {
  const out: TemplateShape = [];
  for (const part of shape) {
    const last = out[out.length - 1];
    if (part === null) {
      if (last !== null) out.push(null);
    } else if (typeof last === "string") out[out.length - 1] = last + part;
    else if (part !== "") out.push(part);
  }
  return out;
}

/**
 * Whether some values of the unknown parts make the template equal to `text`. Greedy and without
 * backtracking: the first literal must be a prefix, the last a suffix, and each literal in between
 * is taken at its leftmost occurrence after the previous one (leftmost is never worse, since the
 * unknown parts between them can absorb anything). Each search is Knuth–Morris–Pratt, and the
 * searches only move forward, so the whole match is O(|text| + |template|).
 */
export function matchesTemplate(shape: TemplateShape, text: string): boolean {
  const parts = normalizeShape(shape);
  if (!parts.includes(null)) return (parts[0] ?? "") === text;
  let lo = 0;
  let hi = text.length;
  let first = 0;
  let last = parts.length;
  const head = parts[0];
  if (typeof head === "string") {
    if (!text.startsWith(head)) return false;
    lo = head.length;
    first = 1;
  }
  const tail = parts[parts.length - 1];
  if (typeof tail === "string") {
    if (hi - tail.length < lo || !text.endsWith(tail)) return false;
    hi -= tail.length;
    last -= 1;
  }
  for (let i = first; i < last; i++) {
    const part = parts[i];
    if (part === null || part === undefined) continue;
    const at = findFrom(text, part, lo, hi);
    if (at < 0) return false;
    lo = at + part.length;
  }
  return true;
}

/** First index ≥ from where `needle` occurs entirely before `end`, or -1 (Knuth–Morris–Pratt). */
function findFrom(text: string, needle: string, from: number, end: number): number {
  const fail = new Int32Array(needle.length);
  for (let i = 1, k = 0; i < needle.length; i++) {
    while (k > 0 && needle[i] !== needle[k]) k = fail[k - 1]!;
    if (needle[i] === needle[k]) k++;
    fail[i] = k;
  }
  for (let i = from, k = 0; i < end; i++) {
    while (k > 0 && text[i] !== needle[k]) k = fail[k - 1]!;
    if (text[i] === needle[k]) k++;
    if (k === needle.length) return i - needle.length + 1;
  }
  return -1;
}
