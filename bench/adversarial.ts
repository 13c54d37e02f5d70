// Worst-case inputs against the matchers that read untrusted text, each timed with the code it
// replaced (rebuilt here as the baseline) and the code in src/ now, in the same run; and the cost
// of indexing a repository in the app's worker thread against indexing it on the main thread.
// Usage: node --import tsx bench/adversarial.ts; prints one JSON line per measure.

import { join } from "node:path";
import { isRepositoryConsidered, parseRepoConfig } from "../src/config/repo-config.ts";
import { buildIndex } from "../src/hcl/index.ts";
import { readTerraformTree } from "../src/hcl/load.ts";
import { withoutSubdirectory, withoutTrailingSlashes } from "../src/hcl/module-source.ts";
import { matchingRule, parseCodeowners } from "../src/owners/codeowners.ts";
import { majorOf } from "../src/rules/attribute-shared.ts";
import { IndexSandbox } from "../src/sandbox/index-sandbox.ts";

const time = (fn: () => unknown): number => {
  const started = performance.now();
  fn();
  return performance.now() - started;
};
const report = (measure: string, input: string, beforeMs: number, afterMs: number) =>
  console.log(JSON.stringify({ measure, input, beforeMs, afterMs }));

// CODEOWNERS: the old code built ^(?:.+/)?[^/]*a[^/]*a…[^/]*b(?:/.*)?$ from the pattern.
const stars = 7;
const pattern = `${"*a".repeat(stars)}*b`;
const oldCodeowners = new RegExp(`^(?:.+/)?${"[^/]*a".repeat(stars)}[^/]*b(?:/.*)?$`);
const path = "a".repeat(40);
const { rules } = parseCodeowners(`${pattern} @org/team\n`);
report(
  "CODEOWNERS pattern",
  `${pattern} on a 40-character path`,
  time(() => oldCodeowners.test(path)),
  time(() => matchingRule(rules, path)),
);

// repositories.include: the old code built ^.*a.*a…b$ (case-insensitive).
const glob = `${"*a".repeat(stars)}*b`;
const oldGlob = new RegExp(`^${".*a".repeat(stars)}.*b$`, "i");
const config = parseRepoConfig({ repositories: { include: [glob] } });
if (!config.ok) throw new Error("bench config invalid");
const name = "a".repeat(40);
report(
  "repository glob",
  `${glob} on a 40-character name`,
  time(() => oldGlob.test(name)),
  time(() => isRepositoryConsidered(config.config, name)),
);

// Version constraints: ^\s*(op)?\s*v?(\d+)… on a run of spaces.
const spaces = `${" ".repeat(20_000)}x`;
const oldConstraint = /^\s*(~>|>=|<=|>|<|=|!=)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/;
report(
  "version constraint",
  "20,000 spaces",
  time(() => oldConstraint.exec(spaces)),
  time(() => majorOf(spaces)),
);

// Module sources: /\/+$/ and /\/\/.*$/.
const slashes = `./${"/".repeat(40_000)}x`;
report(
  "module source, trailing /",
  "40,000 slashes",
  time(() => slashes.replace(/\/+$/, "")),
  time(() => withoutTrailingSlashes(slashes)),
);
const doubled = `${"//".repeat(40_000)}\nx`;
report(
  "module source, //subdir",
  "40,000 × //, then a newline",
  time(() => doubled.replace(/\/\/.*$/, "")),
  time(() => withoutSubdirectory(doubled)),
);

// Indexing in the worker vs on the main thread: the real modules of fixtures/corpus.
const files = await readTerraformTree(join(import.meta.dirname, "../fixtures/corpus"));
const sandbox = new IndexSandbox();
const cold = performance.now();
await sandbox.index("corpus", files);
const coldMs = performance.now() - cold;
const warm: number[] = [];
const inThread: number[] = [];
for (let i = 0; i < 5; i++) {
  inThread.push(time(() => buildIndex(files)));
  const started = performance.now();
  await sandbox.index("corpus", files);
  warm.push(performance.now() - started);
}
await sandbox.close();
const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
console.log(
  JSON.stringify({
    measure: "index fixtures/corpus",
    input: `${files.length} files`,
    inThreadMs: median(inThread),
    workerMs: median(warm),
    workerColdMs: coldMs,
  }),
);
