// The suppressions of the tree a command works on, with the repository's policy for them and, in a
// git checkout, who wrote each (`git blame`). Git is optional: without it, no author, never a failure.

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isoDay } from "../suppress/apply.ts";
import { collectSuppressions, type Suppression } from "../suppress/index.ts";
import type { SuppressionPolicy } from "../suppress/policy.ts";
import { repositoryTop } from "./git.ts";
import type { CliIo } from "./io.ts";
import { terminalSafe } from "./text.ts";
import type { LoadedTree } from "./tree.ts";

export interface TreeSuppressions {
  suppressions: Suppression[];
  policy: SuppressionPolicy | undefined;
  today: string;
}

/** `withPolicy`: also read the repository's `suppressions` policy (scan reports it; fix does not). */
export async function treeSuppressions(
  tree: LoadedTree,
  io: CliIo,
  withPolicy = true,
): Promise<TreeSuppressions> {
  const { suppressions, problems } = collectSuppressions(tree.sources, tree.ignoreFiles);
  for (const p of problems)
    io.stderr.write(`warning: ${terminalSafe(`${p.file}: ${p.reason}`)} (its entries are not applied)\n`);
  const today = isoDay(io.now?.() ?? new Date());
  return { suppressions, policy: withPolicy ? await suppressionPolicy(tree.root, io) : undefined, today };
}

/** `suppressions` of `.github/fixloop.yml` in the scanned folder or the repository's top level. */
async function suppressionPolicy(root: string, io: CliIo): Promise<SuppressionPolicy | undefined> {
  const top = await repositoryTop(root).catch(() => undefined);
  for (const dir of top && top !== root ? [root, top] : [root]) {
    const path = join(dir, ".github", "fixloop.yml");
    const text = await readFile(path, "utf8").catch(() => undefined);
    if (text === undefined) continue;
    // Loaded only when there is a policy file: most trees have none, and yaml + zod are start-up.
    const [{ parse: parseYaml }, { parseRepoConfig }] = await Promise.all([
      import("yaml"),
      import("../config/repo-config.ts"),
    ]);
    let raw: unknown;
    try {
      raw = parseYaml(text);
    } catch {
      io.stderr.write(`warning: ${terminalSafe(path)}: not valid YAML; suppression policy not applied\n`);
      return undefined;
    }
    const parsed = parseRepoConfig(raw);
    if (!parsed.ok) {
      const first = parsed.errors[0];
      io.stderr.write(
        `warning: ${terminalSafe(`${path}: ${first ? `${first.path}: ${first.message}` : "invalid"}`)}; suppression policy not applied\n`,
      );
      return undefined;
    }
    return parsed.config.suppressions;
  }
  return undefined;
}

/** "Jane Doe <jane@example.com>, 2026-03-02" from `git blame --porcelain -L n,n`, or undefined. */
export async function blameAuthor(root: string, file: string, line: number): Promise<string | undefined> {
  const out = await new Promise<string | undefined>((resolve) => {
    execFile(
      "git",
      ["blame", "--porcelain", "-L", `${line},${line}`, "--", file],
      { cwd: root, timeout: 5000, maxBuffer: 1 << 20 },
      (err, stdout) => resolve(err ? undefined : stdout),
    );
  });
  if (!out) return undefined;
  const lines = out.split("\n");
  const field = (name: string) => lines.find((l) => l.startsWith(`${name} `))?.slice(name.length + 1);
  const name = field("author");
  if (!name || name === "Not Committed Yet") return undefined;
  const mail = field("author-mail");
  const time = Number(field("author-time"));
  const day = Number.isFinite(time) && time > 0 ? `, ${isoDay(new Date(time * 1000))}` : "";
  return `${name}${mail ? ` ${mail}` : ""}${day}`;
}

/** Who wrote each suppression (the comment's or the ignore file's line), keyed `file:line`. */
export async function suppressionAuthors(
  root: string,
  suppressions: readonly Suppression[],
): Promise<Map<string, string>> {
  const authors = new Map<string, string>();
  for (const s of suppressions) {
    const key = `${s.file}:${s.line}`;
    if (authors.has(key)) continue;
    const who = await blameAuthor(root, s.file, s.line);
    if (who) authors.set(key, who);
  }
  return authors;
}
