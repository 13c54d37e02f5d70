// Fix branch names: `<prefix>/<rule>/<short dedupe hash>` — stable for a finding, so a retry or a
// second replica finds the branch an earlier attempt made instead of making another.

const SAFE = /[^A-Za-z0-9._-]+/g;

export function fixBranchName(prefix: string, ruleId: string | null, findingId: string): string {
  const rule = (ruleId ?? "catalog").replace(SAFE, "-").replace(/^[.-]+|[.-]+$/g, "") || "catalog";
  return `${prefix}/${rule}/${findingId.slice(0, 12)}`;
}

/** Branches of grouped PRs: one per file or resource, named by a hash of the group key. */
export function groupBranchName(prefix: string, groupHash: string): string {
  return `${prefix}/group/${groupHash.slice(0, 12)}`;
}
