// Characters that make untrusted text show something other than what it is: terminal escape
// sequences (cursor moves, rewriting earlier lines, window titles, hyperlinks), other C0/C1 controls,
// the bidirectional controls of "Trojan Source" (CVE-2021-42574), and invisible characters that
// hide a difference (zero-width spaces and joiners, soft hyphen, tag characters). Everything fixloop
// prints or renders from a finding or a repository goes through here and gets them back as
// visible escapes. Pure; shared by the CLI (src/cli/text.ts) and the Markdown bodies (src/github/).

const UNSAFE_SOURCE = String.raw`[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]`;

/** Matches one unsafe character (global, unicode). */
export function unsafeChars(): RegExp {
  return new RegExp(UNSAFE_SOURCE, "gu");
}

/** `text` with every unsafe character shown as `<U+XXXX>`, except those in `keep` (e.g. "\n\t" for a
 *  multi-line block). The escape is plain ASCII, valid inside a JSON string and inert in Markdown. */
export function showUnsafe(text: string, options: { keep?: string } = {}): string {
  const keep = options.keep ?? "";
  // Most text has nothing to show: one test instead of a callback per kept line break (the 20 MB
  // JSON of a large scan has hundreds of thousands of them).
  if (!unsafeOutside(keep).test(text)) return text;
  return text.replace(unsafeChars(), (c) =>
    keep.includes(c) ? c : `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}>`,
  );
}

const UNSAFE_OUTSIDE = new Map<string, RegExp>();

/** Matches an unsafe character that is not in `keep` (not global: `test` keeps no state). */
function unsafeOutside(keep: string): RegExp {
  let re = UNSAFE_OUTSIDE.get(keep);
  if (!re) {
    const kept = [...keep].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join("");
    re = new RegExp(kept ? `(?![${kept}])${UNSAFE_SOURCE}` : UNSAFE_SOURCE, "u");
    UNSAFE_OUTSIDE.set(keep, re);
  }
  return re;
}
