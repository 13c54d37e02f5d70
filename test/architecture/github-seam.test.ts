// GitHub is reached through one seam: the Platform port (src/github/platform.ts) and its one
// implementation in src/github/. A file outside src/github/ that calls Octokit — `.rest.`,
// `.paginate(`, `.graphql(`, `octokit.request`, or imports `@octokit/*` or Probot's Octokit — fails
// here. Before the port: 29 call sites in 11 files; after: none.

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Files outside src/github/ that may still call Octokit, with how many sites: none. */
const ALLOWED: Record<string, number> = {};

const CALLS: Array<[string, RegExp]> = [
  ["REST endpoint method", /\.rest\./g],
  ["pagination", /\.paginate\(/g],
  ["GraphQL", /\.graphql\(/g],
  ["raw request", /octokit\.request\b/gi],
  ["@octokit import", /from\s+["']@octokit\//g],
  ["@octokit dynamic import", /import\(\s*["']@octokit\//g],
  ["Probot's Octokit", /\bProbotOctokit\b/g],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/** `file:line kind` for every Octokit call outside src/github/. */
function octokitSites(): Array<{ file: string; line: string }> {
  const sites: Array<{ file: string; line: string }> = [];
  for (const path of sourceFiles(join(ROOT, "src"))) {
    const file = relative(ROOT, path).split("\\").join("/");
    if (file.startsWith("src/github/")) continue;
    const lines = readFileSync(path, "utf8").split("\n");
    lines.forEach((text, i) => {
      for (const [kind, pattern] of CALLS)
        for (const _ of text.matchAll(pattern)) sites.push({ file, line: `${file}:${i + 1} ${kind}` });
    });
  }
  return sites;
}

describe("the GitHub seam", () => {
  const sites = octokitSites();

  it("has no Octokit call outside src/github/ except the commented allowlist", () => {
    const outside = sites.filter((s) => !(s.file in ALLOWED)).map((s) => s.line);
    expect(outside).toEqual([]);
  });

  it("keeps the allowlist exact: no new call in an allowed file, no stale entry", () => {
    const counts: Record<string, number> = {};
    for (const s of sites) if (s.file in ALLOWED) counts[s.file] = (counts[s.file] ?? 0) + 1;
    expect(counts).toEqual(ALLOWED);
  });

  it("finds calls when they are there (the scan itself works)", () => {
    const text = 'import { Octokit } from "@octokit/rest";\nawait gh.paginate(gh.rest.pulls.list, {});';
    const found = CALLS.flatMap(([kind, p]) => [...text.matchAll(p)].map(() => kind));
    expect(found).toEqual(["REST endpoint method", "pagination", "@octokit import"]);
  });
});
