// Is this the fix a person already turned down? A finding whose PR was closed without merge gets a
// new PR only when its fix differs from the closed one. "Differs" is about the change, not the
// file: an unrelated edit elsewhere in the file moves line numbers and context (so the patched
// file, and the fingerprint an open PR is refreshed by, change) without making the rejected
// change any more welcome. So the comparison is over the lines the diffs add and remove, per file,
// ignoring indentation, context and positions. And the closed PR may have carried a group's fix:
// a finding whose change is part of it was turned down with it.

/** `path\n±line` for every line a unified diff (../hcl/unified-diff.ts) adds or removes. */
export function changedLines(diff: string): Set<string> {
  const changed = new Set<string>();
  let path = "";
  for (const line of diff.split("\n")) {
    if (line.startsWith("+++ ")) {
      path = line.slice(4).replace(/^b\//, "");
      continue;
    }
    if (line.startsWith("--- ")) continue;
    const sign = line[0];
    if (sign !== "+" && sign !== "-") continue;
    const text = line.slice(1).trim();
    if (text !== "") changed.add(`${path}\n${sign}${text}`);
  }
  return changed;
}

/** True when everything `proposed` changes was already in `rejected` (same lines, same files). */
export function isRejectedFix(rejected: string, proposed: string): boolean {
  const before = changedLines(rejected);
  const now = changedLines(proposed);
  if (now.size === 0) return before.size === 0;
  for (const line of now) if (!before.has(line)) return false;
  return true;
}
