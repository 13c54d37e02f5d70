// Builds the synthetic Terraform monorepo the benchmark runs on: every real Terraform folder from
// fixtures/ and examples/ (rule fixtures, terraform-aws-modules, TerraGoat…) copied round-robin as
// one service module each, until the tree holds at least `minFiles` files and `minBytes` bytes.
// Each service is a copy of one real folder, so it is a valid module on its own (no duplicate
// addresses). Deterministic: same inputs, same tree, byte for byte.

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SOURCES = ["fixtures/rules", "fixtures/corpus", "examples"];

/** Folders that directly hold .tf files, each with its files (name → text). */
function tfFolders(dir: string): Array<Array<{ name: string; text: string }>> {
  const out: Array<Array<{ name: string; text: string }>> = [];
  const here: Array<{ name: string; text: string }> = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...tfFolders(full));
    else if (name.endsWith(".tf")) here.push({ name, text: readFileSync(full, "utf8") });
  }
  return here.length ? [here, ...out] : out;
}

export interface Monorepo {
  root: string;
  files: number;
  bytes: number;
}

/** The real Terraform folders the synthetic trees are made of, in a fixed order. */
export function seedFolders(repoRoot: string): Array<Array<{ name: string; text: string }>> {
  return SOURCES.flatMap((s) => tfFolders(join(repoRoot, s)));
}

export function buildMonorepo(
  repoRoot: string,
  target: string,
  minFiles = 10_000,
  minBytes = 20 * 1024 * 1024,
): Monorepo {
  const seeds = seedFolders(repoRoot);
  if (seeds.length === 0) throw new Error("no seed .tf files found");
  rmSync(target, { recursive: true, force: true });
  let files = 0;
  let bytes = 0;
  for (let i = 0; files < minFiles || bytes < minBytes; i++) {
    const service = join(target, "services", `svc-${String(i).padStart(5, "0")}`);
    mkdirSync(service, { recursive: true });
    for (const { name, text } of seeds[i % seeds.length]!) {
      writeFileSync(join(service, name), text);
      files++;
      bytes += Buffer.byteLength(text);
    }
  }
  return { root: target, files, bytes };
}
